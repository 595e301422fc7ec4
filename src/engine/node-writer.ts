import {
  addUsage,
  ArborError,
  emptyPipeline,
  retryDelay,
  transition,
  type AgentRole,
  type NodeError,
  type NodeEvent,
  type NodePatch,
  type NodeTransitionEvent,
  type TaskNode,
  type Usage,
} from '../domain/index.js';
import type { AgentOutcome } from '../agents/index.js';
import type { Store } from '../store/index.js';
import { now } from './engine-support.js';
import type { TreeState } from './tree-state.js';

/** What a run has spent, as this process counts it, and whether the stored run lags behind. */
export interface RunTotals {
  usage: Usage;
  /** The run document should be written again (usage, node count). */
  dirty: boolean;
}

/** Options of {@link NodeWriter}. */
export interface NodeWriterOptions {
  store: Store;
  runId: string;
  actor: string;
  tree: TreeState;
  totals: RunTotals;
  /** After a stored write of transitions, with their events (the tree already holds the new node). */
  onTransition: (node: TaskNode, events: readonly NodeEvent[]) => void;
  /** Waits between the tries of a written step with a `retry` policy; injected by tests. */
  sleep?: (ms: number) => Promise<void>;
}

/** The failures a written step's `retry` policy tries again: not a limit, a person or a dependency. */
const retriedKinds: ReadonlySet<NodeError['kind']> = new Set([
  'model',
  'provider',
  'validation',
  'timeout',
  'internal',
]);

/**
 * The engine's one write path for nodes: legal transitions through the pure `transition`, answers
 * and usage, each a conditional write on the node's version, mirrored into the in-memory tree.
 */
export class NodeWriter {
  constructor(private readonly options: NodeWriterOptions) {}

  /**
   * Applies legal transitions, each from where the one before left the node, and stores them with
   * their events in one write (e.g. `deps-met` and `start` of a node that can start at once).
   */
  async apply(
    node: TaskNode,
    transitions: NodeTransitionEvent | readonly NodeTransitionEvent[],
    extra: NodePatch = {},
  ): Promise<TaskNode> {
    const retry = this.retryOf(node, transitions);
    if (retry) {
      // A written step with tries left waits its backoff and goes back to ready instead of failing.
      await (this.options.sleep ?? sleep)(retry.delay);
      return this.apply(
        node,
        { type: 'pause', reason: retry.reason },
        {
          ...extra,
          tries: retry.next,
          pipeline: { ...emptyPipeline },
        },
      );
    }
    const { patch, events } = this.move(node, transitions);
    const stored = await this.options.store.updateNode({
      runId: this.options.runId,
      nodeId: node.id,
      expectedVersion: node.version,
      patch: { ...extra, ...patch },
      events,
      current: node,
    });
    this.options.tree.put(stored);
    this.options.onTransition(stored, events);
    return stored;
  }

  /**
   * Moves a node that is not stored yet (a new child), for the caller to insert with its events;
   * {@link inserted} then tells the run about them.
   */
  moveNew(node: TaskNode, transitions: NodeTransitionEvent | readonly NodeTransitionEvent[]) {
    const { patch, events } = this.move(node, transitions);
    return { node: { ...node, ...patch }, events };
  }

  /** After moved nodes were inserted: the transitions their events record are the run's news. */
  inserted(node: TaskNode, events: readonly NodeEvent[]): void {
    if (events.length > 0) this.options.onTransition(node, events);
  }

  /** The next try of a running written step whose work failed, when its `retry` policy has one left. */
  private retryOf(
    node: TaskNode,
    transitions: NodeTransitionEvent | readonly NodeTransitionEvent[],
  ): { next: number; delay: number; reason: string } | null {
    const policy = node.step?.retry;
    const event = 'type' in transitions ? transitions : transitions.length === 1 ? transitions[0] : undefined;
    if (!policy || node.status !== 'running' || event?.type !== 'fail' || !retriedKinds.has(event.error.kind))
      return null;
    const tries = node.tries ?? 1;
    if (tries >= policy.attempts) return null;
    const delay = retryDelay(policy, tries);
    return {
      next: tries + 1,
      delay,
      reason: `try ${tries} of ${policy.attempts} failed (${event.error.message}); try ${tries + 1} after ${delay} ms`,
    };
  }

  /** The patch and events of legal transitions, each from where the one before left the node. */
  private move(
    node: TaskNode,
    transitions: NodeTransitionEvent | readonly NodeTransitionEvent[],
  ): { patch: NodePatch; events: NodeEvent[] } {
    const { runId, actor } = this.options;
    const at = now();
    let moved = node;
    let patch: NodePatch = {};
    const events: NodeEvent[] = [];
    for (const step of 'type' in transitions ? [transitions] : transitions) {
      const outcome = transition(moved, step, { at, actor });
      if (!outcome.success) throw new ArborError(`internal: ${outcome.error}`, { runId, nodeId: node.id });
      moved = outcome.value.node;
      patch = { ...patch, ...outcome.value.patch };
      events.push(outcome.value.event);
    }
    return { patch, events };
  }

  /** Stores fields without a status change (an answer, usage, a lease). */
  async save(node: TaskNode, patch: NodePatch): Promise<TaskNode> {
    const stored = await this.options.store.updateNode({
      runId: this.options.runId,
      nodeId: node.id,
      expectedVersion: node.version,
      patch: { ...patch, version: node.version + 1, updatedAt: now() },
      current: node,
    });
    this.options.tree.put(stored);
    return stored;
  }

  /** Stores an agent's answer with what it cost, or fails the node when there is no valid answer. */
  async record<R extends AgentRole, A>(
    node: TaskNode,
    role: R,
    outcome: AgentOutcome<R> | { success: true; value: A; calls: number; usage: Usage },
    patchFor: (answer: A) => NodePatch,
  ): Promise<TaskNode> {
    const patch = await this.answer(node, role, outcome, patchFor);
    return patch === null ? this.options.tree.require(node.id) : this.save(node, patch);
  }

  /**
   * The patch of an agent's valid answer with what it cost, for the caller to store with its next
   * write; or, when there is no valid answer, fails the node (storing the cost) and returns null.
   */
  async answer<R extends AgentRole, A>(
    node: TaskNode,
    role: R,
    outcome: AgentOutcome<R> | { success: true; value: A; calls: number; usage: Usage },
    patchFor: (answer: A) => NodePatch,
  ): Promise<NodePatch | null> {
    const spent = this.spend(node, role, outcome);
    if (outcome.success) return { ...spent, ...patchFor(outcome.value as A) };
    const { message, limit } = outcome.error;
    const error: NodeError = limit ? { kind: 'budget', message, limit } : { kind: 'model', message };
    await this.apply(node, { type: 'fail', error }, spent);
    return null;
  }

  /** Adds calls and usage to the run's totals and returns the node's new counters. */
  spend(node: TaskNode, role: AgentRole, outcome: { calls: number; usage: Usage }): NodePatch {
    const { totals } = this.options;
    totals.usage = addUsage(totals.usage, outcome.usage);
    totals.dirty = true;
    return {
      calls: { ...node.calls, [role]: node.calls[role] + outcome.calls },
      usage: addUsage(node.usage, outcome.usage),
    };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
