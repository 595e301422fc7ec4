import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import type { BenchContext, BenchResult } from './bench-result.js';
import { driveSyntheticRun } from './drive-synthetic-run.js';
import { syntheticTree } from './synthetic-tree.js';
import { verdict } from './verdict.js';

const growthLimit = 1.5;

/**
 * Benchmark 4: o200k_base tokens of the rendered executor prompt (system + user message; the run has
 * no notes) by node depth in a 1,000-node tree, first attempts only. The scoped context (DESIGN §1.3)
 * should keep depth 6 within 1.5 × depth 1.
 */
export async function promptSizeBenchmark(context: BenchContext): Promise<BenchResult> {
  const nodes = context.quick ? 300 : 1000;
  const tree = syntheticTree({ nodes, seed: 1 });
  const byDepth = new Map<number, number[]>();
  await driveSyntheticRun({
    tree,
    latencyMs: 0,
    concurrency: 8,
    store: 'embedded',
    onRequest(request) {
      if (request.role !== 'executor' || request.subject.attempt !== 1) return;
      const user = request.messages[0]?.content ?? '';
      const tokens = countTokens(request.system) + countTokens(user);
      const depth = request.subject.node.depth;
      byDepth.set(depth, [...(byDepth.get(depth) ?? []), tokens]);
    },
  });
  const rows = [...byDepth.entries()]
    .sort(([a], [b]) => a - b)
    .map(([depth, tokens]) => ({
      depth,
      prompts: tokens.length,
      meanTokens: Math.round(mean(tokens)),
      medianTokens: median(tokens),
      maxTokens: Math.max(...tokens),
    }));
  for (const row of rows)
    context.log(
      `prompt size depth ${row.depth}: mean ${row.meanTokens}, median ${row.medianTokens}, max ${row.maxTokens} tokens (${row.prompts} prompts)`,
    );
  const shallow = mean(byDepth.get(1) ?? []);
  const deep = mean(byDepth.get(6) ?? []);
  return {
    name: 'prompt-size',
    measures: 'o200k_base tokens of the executor prompt (system + user, no notes) by depth',
    environment: context.environment,
    quick: context.quick,
    parameters: {
      nodes,
      seed: 1,
      maxBranching: 5,
      maxDepth: 6,
      tokenizer: 'gpt-tokenizer o200k_base',
      template: 'prompts/executor.hbs',
    },
    rows,
    verdicts: [
      verdict({
        target: `prompt size, ${nodes} nodes: mean executor tokens at depth 6 ÷ depth 1`,
        value: deep / shallow,
        limit: growthLimit,
        kind: 'at-most',
      }),
    ],
  };
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
