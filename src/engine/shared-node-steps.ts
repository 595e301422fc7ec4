import type { AgentRole, TaskNode } from '../domain/index.js';
import type { NodeWriter } from './node-writer.js';
import type { SharedRun } from './shared-run.js';
import type { TreeState } from './tree-state.js';

/**
 * The node-level rules of a run shared by workers (issue: scale out): claim before a step and let go
 * after, claim checks with a lease, hand a node needing another agent back, take back expired work.
 * With no sharing, steps just run.
 */
export class SharedNodeSteps {
  constructor(
    private readonly options: {
      sharing: SharedRun | null;
      tree: TreeState;
      writer: NodeWriter;
      kick: (nodeId: string) => void;
    },
  ) {}

  /** Runs one step of a node; in a shared run only once this worker may claim it, letting go after. */
  async claimed(node: TaskNode, step: (node: TaskNode) => Promise<void>): Promise<boolean> {
    const { sharing, tree, writer } = this.options;
    if (!sharing) {
      await step(node);
      return true;
    }
    if (!sharing.tryClaim(node)) return false;
    try {
      await step(node);
    } finally {
      sharing.release(node.id);
      // A check this worker claimed but did not finish (stopped, store trouble) goes back to the others.
      const after = tree.get(node.id);
      if (after?.status === 'checking' && after.lease?.owner === sharing.workerId)
        await writer.save(after, { lease: null }).catch(() => undefined);
    }
    return true;
  }

  /** Claims a check: a conditional write of this worker's lease, so no two workers check one node. */
  async claimCheck(node: TaskNode): Promise<TaskNode> {
    const sharing = this.options.sharing!;
    const claimed = await this.options.writer.save(node, {
      lease: sharing.newLease(),
      worker: sharing.workerId,
    });
    sharing.renew(claimed);
    return claimed;
  }

  /** True when a shared run's node needs an agent this worker does not run: it goes back to ready, answers kept. */
  async handsOff(node: TaskNode, role: AgentRole): Promise<boolean> {
    const { sharing, writer } = this.options;
    if (!sharing || sharing.serves(role)) return false;
    await writer.apply(node, { type: 'pause', reason: `waiting for a worker that runs the ${role}` });
    return true;
  }

  /**
   * Takes a node back from a worker whose lease expired (its late writes then fail: fencing), or from
   * a process that drove the run alone and is gone.
   */
  async reclaim(node: TaskNode): Promise<void> {
    const { writer } = this.options;
    const reason = node.lease
      ? `reclaimed: the lease of ${node.lease.owner} expired`
      : 'reclaimed: the process that drove the run alone is gone';
    if (node.status === 'running') await writer.apply(node, { type: 'pause', reason });
    else await writer.save(node, { lease: null });
    this.options.kick(node.id);
  }
}
