import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  loadAgentsConfig,
  loadPromptTemplates,
  type AgentsConfig,
  type PromptTemplates,
} from '../src/agents/index.js';
import { type Limits, type Run } from '../src/domain/index.js';
import { createRun, RunEngine, type RunOutcome } from '../src/engine/index.js';
import type { Model, ModelRequest } from '../src/llm/model.js';
import type { Store } from '../src/store/index.js';
import { openBenchStore, type BenchStoreKind } from './bench-store.js';
import { createFakeModel } from './fake-model.js';
import type { SyntheticNode, SyntheticTree } from './synthetic-tree.js';

const repoRoot = path.resolve(import.meta.dirname, '..');

/** Options of {@link driveSyntheticRun}. */
export interface DriveSyntheticRunOptions {
  tree: SyntheticTree;
  latencyMs: number;
  /** The run's `--concurrency` (the shipped agent files set no per-role limits). */
  concurrency: number;
  store: BenchStoreKind;
  /** Drive the run in this open store (left open, the run kept) instead of a fresh one that is removed. */
  into?: Store;
  onRequest?: (request: ModelRequest, node: SyntheticNode) => void;
}

/** What one drive of a synthetic run took. */
export interface SyntheticRunMeasure {
  outcome: RunOutcome;
  /** Model calls actually made. */
  calls: number;
  /** From `drive()` to its end, ms. */
  makespanMs: number;
  /** User + system CPU of this process during the drive, ms. */
  cpuMs: number;
  peakInFlight: number;
}

/**
 * Creates a run of a synthetic tree in a fresh store (or `into`) and drives it in-process with the fake model,
 * the repository's agent files and prompt templates (roles' concurrency raised to `concurrency`).
 * Only `drive()` is timed. Throws unless the run completes.
 */
export async function driveSyntheticRun(options: DriveSyntheticRunOptions): Promise<SyntheticRunMeasure> {
  const { tree, concurrency } = options;
  const { agents, templates } = await benchAgents();
  let calls = 0;
  let inFlight = 0;
  let peakInFlight = 0;
  const fake = createFakeModel({ tree, latencyMs: options.latencyMs, onRequest: options.onRequest });
  const model: Model = {
    provider: fake.provider,
    modelId: fake.modelId,
    async generate(request) {
      calls++;
      peakInFlight = Math.max(peakInFlight, ++inFlight);
      try {
        return await fake.generate(request);
      } finally {
        inFlight--;
      }
    },
  };
  const opened = options.into
    ? { store: options.into, remove: () => Promise.resolve() }
    : await openBenchStore(options.store);
  const { store } = opened;
  try {
    const run = await createSyntheticRun(store, tree, concurrency);
    // As `arbor run` does: this process drives the run, holding its lock.
    const lock = await store.acquireRun(run.id, 'bench');
    const engine = new RunEngine(
      {
        store,
        run,
        agents,
        templates,
        modelFor: () => model,
        notes: [],
        owner: 'bench',
        waitForApprovals: false,
        outDir: null,
      },
      await store.listNodes(run.id),
    );
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    const outcome = await engine.drive();
    const makespanMs = performance.now() - start;
    const cpu = process.cpuUsage(cpuStart);
    await lock.release();
    if (outcome.status !== 'completed')
      throw new Error(`the synthetic run ended ${outcome.status}: ${outcome.stopReason?.message ?? ''}`);
    return { outcome, calls, makespanMs, cpuMs: (cpu.user + cpu.system) / 1000, peakInFlight };
  } finally {
    await opened.remove();
  }
}

/**
 * The repository's agent files (which set no per-role limits, so only the run's `--concurrency`
 * counts) and its prompt templates: what a synthetic run is driven with.
 */
export async function benchAgents(): Promise<{ agents: AgentsConfig; templates: PromptTemplates }> {
  const agents = await loadAgentsConfig(path.join(repoRoot, 'agents'));
  return { agents, templates: await loadPromptTemplates(path.join(repoRoot, 'prompts'), agents) };
}

/** Creates a run of a synthetic tree in `store`: its prompt the root's title, limited to its size and depth. */
export async function createSyntheticRun(
  store: Store,
  tree: SyntheticTree,
  concurrency: number,
): Promise<Run> {
  const limits: Limits = {
    maxDepth: tree.spec.maxDepth,
    maxNodes: tree.nodes.length,
    maxCalls: null,
    maxTokens: null,
    maxCostUsd: null,
    concurrency,
    maxAttempts: 3,
  };
  const { run } = await createRun({
    store,
    prompt: tree.root.title,
    notes: [],
    llm: 'fake',
    agentsDir: null,
    promptsDir: null,
    limits,
  });
  return run;
}

