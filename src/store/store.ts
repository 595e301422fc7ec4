import type { Decision, ModelCall, NodeEvent, NodePatch, Result, Run, RunPatch, TaskNode } from '../domain/index.js';

/** Options of {@link Store.updateNode}. */
export interface UpdateNodeOptions {
  runId: string;
  nodeId: string;
  /** The version the caller read; the write fails with `ConflictError` if another writer moved on. */
  expectedVersion: number;
  /** Must include `version: expectedVersion + 1`. */
  patch: NodePatch;
  /** The transition event that explains the write, stored with it. */
  event?: NodeEvent;
}

/** A decision a person recorded that the engine has not applied yet. */
export interface PendingDecision {
  nodeId: string;
  decision: Decision;
}

/** The right to drive one run; other processes may still read it and record decisions. */
export interface RunLock {
  release(): Promise<void>;
}

/**
 * What the engine and CLI need from persistence (DESIGN §4). Implemented by the embedded store
 * (files under `.arbor/`) and the MongoDB store; both pass `test/store-contract.ts`.
 */
export interface Store {
  readonly kind: 'embedded' | 'mongodb';
  /** Where it stores, safe to print (no passwords). */
  readonly location: string;

  createRun(run: Run, root: TaskNode): Promise<void>;
  getRun(runId: string): Promise<Run | null>;
  /** All runs, newest first. */
  listRuns(): Promise<Run[]>;
  updateRun(runId: string, patch: RunPatch): Promise<Run>;

  /** Inserts children in one round trip; nodes whose id already exists are left as they are. */
  insertNodes(nodes: readonly TaskNode[], events?: readonly NodeEvent[]): Promise<void>;
  getNode(runId: string, nodeId: string): Promise<TaskNode | null>;
  /** Every node of a run, ordered by depth then order. */
  listNodes(runId: string): Promise<TaskNode[]>;
  /** Conditional write: throws `ConflictError` unless the stored version is `expectedVersion`. */
  updateNode(options: UpdateNodeOptions): Promise<TaskNode>;

  listEvents(runId: string, nodeId?: string): Promise<NodeEvent[]>;

  /** Stores one model call (prompt and answer, already capped in size) for `arbor show`. */
  recordCall(call: ModelCall): Promise<void>;
  /** The model calls of a run, or of one node, in the order they started. */
  listCalls(runId: string, nodeId?: string): Promise<ModelCall[]>;

  /**
   * Records a decision on a node that awaits approval, from any process. Fails (without throwing)
   * when the node is not waiting, the round is not the current one, or it was already decided.
   */
  recordDecision(runId: string, nodeId: string, decision: Decision): Promise<Result<void>>;
  /** Recorded decisions whose node still awaits approval at that round. */
  pendingDecisions(runId: string): Promise<PendingDecision[]>;

  /** Takes the run for this process; throws `UsageError` naming the holder if it is live elsewhere. */
  acquireRun(runId: string, owner: string): Promise<RunLock>;

  close(): Promise<void>;
}
