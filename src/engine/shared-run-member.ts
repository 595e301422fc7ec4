import type { Run, RunStatus, TaskNode } from '../domain/index.js';
import type { Store } from '../store/index.js';
import type { CriticalPathRank } from './critical-path-rank.js';
import type { RunTotals } from './node-writer.js';
import type { RunControl } from './run-control.js';
import type { RunOutcome } from './run-end-status.js';
import { nextRole, SharedRun, type SharedRunOptions } from './shared-run.js';
import type { TreeState } from './tree-state.js';

/** What {@link SharedRunMember} needs from the engine that drives the run in this process. */
export interface SharedRunMemberHost {
  store: Store;
  tree: TreeState;
  totals: RunTotals;
  control: RunControl;
  rank: CriticalPathRank;
  kick(nodeId: string): void;
  /** Advances the node once more after the advance under way ends. */
  again(nodeId: string): void;
  /** After a status change: wake the nodes that wait on this one, and its parent. */
  afterChange(node: TaskNode): void;
  /** Takes a node whose holder's lease expired back to where another worker can claim it. */
  reclaim(node: TaskNode): Promise<void>;
  waitsForPeople(): boolean;
}

/**
 * The engine as one worker of a shared run (DESIGN §8): it wires a {@link SharedRun} to the engine,
 * reads a node again after a conflict with another worker, keeps the stored run's status current,
 * notices when the run ended elsewhere, and says how this worker leaves a run that is not finished.
 */
export class SharedRunMember {
  readonly sharing: SharedRun;
  /** A shared run another process ended (completed, failed, cancelled). */
  private endedElsewhere: Run | null = null;

  constructor(
    options: SharedRunOptions,
    private readonly host: SharedRunMemberHost,
  ) {
    const { store, tree, totals, control, rank } = host;
    this.sharing = new SharedRun(options, {
      store,
      runId: control.run.id,
      tree,
      capacity: control.run.limits.concurrency,
      changed: (node) => {
        totals.dirty = true;
        host.kick(node.id);
        host.afterChange(node);
      },
      kick: (nodeId) => host.kick(nodeId),
      priorityOf: (node) => rank.priorityOf(node.id, nextRole(node) ?? 'executor'),
      reclaim: (node) => host.reclaim(node),
      runRead: (run) => this.onSharedRunRead(run),
      failed: (error) => control.fail(error),
    });
  }

  /** After a conflict in a shared run: the stored node replaces ours, and the node is advanced again. */
  async refetch(nodeId: string): Promise<void> {
    const { store, tree, control } = this.host;
    try {
      const stored = await store.getNode(control.run.id, nodeId);
      const cached = tree.get(nodeId);
      if (stored && cached && stored.version >= cached.version) {
        tree.put(stored);
        if (stored.version > cached.version) this.host.afterChange(stored);
      }
      this.host.again(nodeId);
    } catch (error) {
      control.fail(error);
    }
  }

  /** How a worker leaves a shared run that is not finished: it ended elsewhere, or this worker stops. */
  leave(): RunOutcome | null {
    const { control } = this.host;
    if (control.isFinished()) return null;
    const ended = this.endedElsewhere;
    if (ended) return { status: ended.status, stopReason: ended.stopReason, run: ended };
    if (control.stopReason?.kind !== 'cancelled') return null;
    control.emit({
      type: 'run-end',
      status: control.run.status,
      message: `worker stopped: ${control.stopReason.message}`,
      at: control.run.updatedAt,
      leftOpen: true,
    });
    return { status: control.run.status, stopReason: control.stopReason, run: control.run };
  }

  /** The stored run, as a shared run's poll read it: ended elsewhere, or its status to keep current. */
  private onSharedRunRead(run: Run): void {
    const { tree, control } = this.host;
    if (run.status === 'completed' || run.status === 'failed' || run.status === 'cancelled') {
      if (this.endedElsewhere === null && !control.isFinished()) {
        this.endedElsewhere = run;
        control.stop(run.stopReason ?? { kind: 'cancelled', message: `the run was ${run.status} elsewhere` });
        control.wake();
      }
      return;
    }
    control.adoptStored(run);
    const busy =
      control.inFlight > 0 || tree.count('ready') + tree.count('running') + tree.count('checking') > 0;
    const status: RunStatus = !busy && this.host.waitsForPeople() ? 'awaiting_approval' : 'running';
    if (status !== run.status)
      void control.updateRun({ status }).catch((error: unknown) => control.fail(error));
  }
}
