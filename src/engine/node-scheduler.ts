import { isTerminal, type TaskNode } from '../domain/index.js';
import type { ApprovalDesk } from './approval-desk.js';
import { dependencyError } from './engine-support.js';
import type { NodePipeline } from './node-pipeline.js';
import type { NodeWriter } from './node-writer.js';
import type { RunControl } from './run-control.js';
import type { SharedNodeSteps } from './shared-node-steps.js';
import type { TreeState } from './tree-state.js';

/** What {@link NodeScheduler} needs from the engine that drives the run. */
export interface NodeSchedulerHost {
  tree: TreeState;
  writer: NodeWriter;
  control: RunControl;
  steps: SharedNodeSteps;
  pipeline: NodePipeline;
  desk: ApprovalDesk;
  /** What escaped a node's advance: a conflict to read again, or a failure that stops the run. */
  onAdvanceError(nodeId: string, error: unknown): void | Promise<void>;
}

/**
 * Event-driven scheduling of a run's nodes: a kicked node is taken as far as it can go now, one
 * stored step at a time, never by two advances at once; a node kicked while it is being advanced
 * is advanced again afterwards. The count of advances in flight lives in {@link RunControl}.
 */
export class NodeScheduler {
  private readonly busy = new Set<string>();
  private readonly dirty = new Set<string>();
  /** Nodes stored started whose work has not begun (see {@link workStarted}). */
  private readonly started = new Set<string>();

  constructor(private readonly host: NodeSchedulerHost) {}

  /** Advances a node unless it is already being advanced; then it is advanced again afterwards. */
  kick(nodeId: string): void {
    const { control } = this.host;
    if (this.busy.has(nodeId)) {
      this.dirty.add(nodeId);
      return;
    }
    this.busy.add(nodeId);
    control.advanceBegan();
    void this.advance(nodeId)
      .catch((error: unknown) => this.host.onAdvanceError(nodeId, error))
      .finally(() => {
        this.busy.delete(nodeId);
        if (this.dirty.delete(nodeId)) this.kick(nodeId);
        control.advanceEnded();
      });
  }

  /**
   * Works a node that was stored already started by this process (inserted running, see
   * `NodePipeline.decompose`): its advance goes straight to the executor.
   */
  workStarted(nodeId: string): void {
    this.started.add(nodeId);
    this.kick(nodeId);
  }

  /** Advances the node once more after the advance under way ends. */
  again(nodeId: string): void {
    this.dirty.add(nodeId);
  }

  /** After a status change: wake the nodes that wait on this one, and its parent. */
  afterChange(node: TaskNode): void {
    if (!isTerminal(node.status)) return;
    for (const dependent of this.host.tree.dependentsOf(node.id)) this.kick(dependent.id);
    if (node.parentId !== null) this.kick(node.parentId);
  }

  /** Takes the node as far as it can go now, one stored step at a time. */
  private async advance(nodeId: string): Promise<void> {
    const { tree, writer, control, steps, pipeline, desk } = this.host;
    for (;;) {
      const node = tree.require(nodeId);
      switch (node.status) {
        case 'pending': {
          const blocker = tree.blockingDependency(node);
          if (blocker) {
            await writer.apply(node, { type: 'skip', error: dependencyError(blocker) });
            return;
          }
          if (!tree.dependenciesSettled(node)) return;
          // A node that can start now is made ready and started in one write.
          if (control.canStartWork() && (await steps.claimed(node, (pending) => pipeline.work(pending))))
            continue;
          await writer.apply(node, { type: 'deps-met' });
          continue;
        }
        case 'ready':
          if (!control.canStartWork()) return;
          if (!(await steps.claimed(node, (ready) => pipeline.work(ready)))) return;
          continue;
        case 'running':
          // Whether it could start was decided when it was inserted.
          if (!this.started.delete(nodeId)) return;
          await pipeline.work(node);
          continue;
        case 'checking':
          if (!control.canStartWork()) return;
          if (!(await steps.claimed(node, (checking) => pipeline.check(checking)))) return;
          continue;
        case 'awaiting_approval':
          if (await desk.applyDecision(node)) continue;
          return;
        case 'decomposed':
          await pipeline.rollUp(node);
          return;
        default:
          return;
      }
    }
  }
}
