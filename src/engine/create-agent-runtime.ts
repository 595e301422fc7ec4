import type { AgentRuntime } from '../agents/index.js';
import type { CallRecorder } from './call-recorder.js';
import type { ConcurrencySlots } from './concurrency-slots.js';
import type { CriticalPathRank } from './critical-path-rank.js';
import type { EngineEvent } from './engine-event.js';
import type { TreeState } from './tree-state.js';

/**
 * The agents' view of the engine for one run: models and settings, a concurrency slot by
 * critical-path priority, budget reservation, cancellation, and every call recorded and reported.
 */
export function createAgentRuntime(options: {
  runId: string;
  agents: AgentRuntime['agents'];
  templates: AgentRuntime['templates'];
  modelFor: AgentRuntime['modelFor'];
  reserve: AgentRuntime['reserve'];
  signal: AbortSignal;
  slots: ConcurrencySlots;
  rank: CriticalPathRank;
  calls: CallRecorder;
  tree: TreeState;
  emit: (event: EngineEvent) => void;
}): AgentRuntime {
  const { tree, emit, calls } = options;
  return {
    agents: options.agents,
    templates: options.templates,
    modelFor: options.modelFor,
    cacheKey: `arbor-${options.runId}`,
    withSlot: (role, call, nodeId) => options.slots.run(role, call, options.rank.priorityOf(nodeId, role)),
    reserve: options.reserve,
    signal: options.signal,
    onCallStart: (record) => {
      calls.start(record);
      emit({
        type: 'call-start',
        role: record.role,
        node: tree.require(record.nodeId),
        attempt: record.attempt,
      });
    },
    onCallEnd: (record) => {
      calls.end(record);
      emit({
        type: 'call-end',
        role: record.role,
        node: tree.require(record.nodeId),
        attempt: record.attempt,
        usage: record.response?.usage ?? null,
        error: record.error,
      });
    },
    onRetry: (info) => emit({ type: 'call-retry', ...info, node: tree.require(info.nodeId) }),
  };
}
