import { sequenceByDependencies, type AgentRole, type Usage } from '../src/domain/index.js';
import type { Model, ModelRequest, ModelResponse } from '../src/llm/model.js';
import type { SyntheticNode, SyntheticTree } from './synthetic-tree.js';

/** Options of {@link createFakeModel}. */
export interface FakeModelOptions {
  tree: SyntheticTree;
  /** Simulated latency of every call (a timer); 0 answers at once, to measure Arbor's own overhead. */
  latencyMs: number;
  /** Sees every request before it is answered (e.g. to measure prompt sizes). */
  onRequest?: (request: ModelRequest, node: SyntheticNode) => void;
}

/**
 * An in-process model that grows a synthetic tree: the planner answers a node's children with their
 * `dependsOn` keys, the sequencer answers the topological levels (the scripted `auto`), the executor
 * decomposes nodes that have children and completes leaves, and the checker passes.
 */
export function createFakeModel(options: FakeModelOptions): Model {
  const { tree, latencyMs } = options;
  const answer = (request: ModelRequest): ModelResponse => {
    const node = tree.byTitle.get(request.subject.node.title);
    if (!node) throw new Error(`the synthetic tree has no node titled "${request.subject.node.title}"`);
    options.onRequest?.(request, node);
    const text = JSON.stringify(answerFor(request, node));
    return { text, finishReason: 'complete', refusal: null, usage: usageOf(request, text) };
  };
  return {
    provider: 'fake',
    modelId: `synthetic-${tree.spec.nodes}-${tree.spec.seed}`,
    generate(request) {
      if (latencyMs <= 0) {
        try {
          return Promise.resolve(answer(request));
        } catch (error) {
          return Promise.reject(error instanceof Error ? error : new Error(String(error)));
        }
      }
      return new Promise((resolve, reject) => {
        setTimeout(() => {
          try {
            resolve(answer(request));
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        }, latencyMs);
      });
    },
  };
}

function answerFor(request: ModelRequest, node: SyntheticNode): unknown {
  const role: AgentRole = request.role;
  switch (role) {
    case 'planner':
      return {
        tasks: node.children.map((child) => ({
          key: child.key,
          title: child.title,
          description: child.description,
          dependsOn: child.dependsOn,
          notes: [],
          requiresApproval: false,
          approvalReason: null,
        })),
      };
    case 'sequencer': {
      const sequence = sequenceByDependencies(request.subject.tasks ?? []);
      if (!sequence.success) throw new Error(`cannot sequence ${node.title}: ${sequence.error}`);
      return sequence.value;
    }
    case 'executor':
      return node.children.length > 0
        ? { action: 'decompose', reason: `${node.children.length} parts`, result: null }
        : {
            action: 'complete',
            reason: null,
            result: { summary: `done: ${node.title}`, output: node.output, artifacts: [] },
          };
    case 'checker':
      return { verdict: 'pass', feedback: 'looks right' };
  }
}

/** About four characters a token, like the scripted model, so usage totals look plausible. */
function usageOf(request: ModelRequest, text: string): Usage {
  const input =
    request.system.length + request.messages.reduce((sum, message) => sum + message.content.length, 0);
  return {
    calls: 1,
    inputTokens: Math.ceil(input / 4),
    outputTokens: Math.ceil(text.length / 4),
    cachedTokens: 0,
    costUsd: 0,
  };
}
