import type { AgentRuntime, StepAgent } from '../agents/index.js';
import type { CallRecorder } from './call-recorder.js';
import type { ConcurrencySlots } from './concurrency-slots.js';
import type { CriticalPathRank } from './critical-path-rank.js';
import type { EngineEvent } from './engine-event.js';
import type { RunTracer } from './run-tracer.js';
import type { TreeState } from './tree-state.js';

/**
 * The agents' view of the engine for one run: models and settings, a concurrency slot by
 * critical-path priority, budget reservation, cancellation, and every call recorded and reported.
 */
export function createAgentRuntime(options: {
  runId: string;
  agents: AgentRuntime['agents'];
  templates: AgentRuntime['templates'];
  /** The run's model of a role (where no written step's `agent` says otherwise). */
  modelFor: (role: Parameters<AgentRuntime['modelFor']>[0]) => ReturnType<AgentRuntime['modelFor']>;
  /** What the written step of a node names as its `agent`, or null. */
  stepAgentOn: (nodeId: string) => StepAgent | null;
  reserve: AgentRuntime['reserve'];
  signal: AbortSignal;
  slots: ConcurrencySlots;
  rank: CriticalPathRank;
  calls: CallRecorder;
  tree: TreeState;
  emit: (event: EngineEvent) => void;
  tracer: RunTracer;
}): AgentRuntime {
  const { tree, emit, calls, tracer } = options;
  return {
    agents: options.agents,
    templates: options.templates,
    modelFor: (role, nodeId) =>
      (nodeId === undefined ? null : options.stepAgentOn(nodeId))?.modelFor(role) ?? options.modelFor(role),
    configFor: (role, nodeId) => options.stepAgentOn(nodeId)?.configFor(role) ?? options.agents.roles[role],
    templateFor: (role, nodeId) => options.stepAgentOn(nodeId)?.templateFor(role) ?? options.templates[role],
    cacheKey: `arbor-${options.runId}`,
    withSlot: (role, call, nodeId) => options.slots.run(role, call, options.rank.priorityOf(nodeId, role)),
    reserve: options.reserve,
    signal: options.signal,
    onCallStart: (record) => {
      calls.start(record);
      const node = tree.require(record.nodeId);
      tracer.callStart(record, node);
      emit({
        type: 'call-start',
        role: record.role,
        node,
        attempt: record.attempt,
      });
    },
    onCallEnd: (record) => {
      calls.end(record);
      const node = tree.require(record.nodeId);
      tracer.callEnd(record, node);
      emit({
        type: 'call-end',
        role: record.role,
        node,
        attempt: record.attempt,
        usage: record.response?.usage ?? null,
        error: record.error,
      });
    },
    onRetry: (info) => emit({ type: 'call-retry', ...info, node: tree.require(info.nodeId) }),
  };
}
