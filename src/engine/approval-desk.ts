import type { TaskNode } from '../domain/index.js';
import type { Store } from '../store/index.js';
import type { EngineEvent } from './engine-event.js';
import type { NodeWriter } from './node-writer.js';
import type { TreeState } from './tree-state.js';

/**
 * Where nodes wait for people: asks once per approval round (an `approval-request` event), applies
 * decisions recorded by any process (this terminal, `arbor approve` elsewhere), and finds the ones
 * other processes recorded.
 */
export class ApprovalDesk {
  private readonly announced = new Map<string, number>();

  constructor(
    private readonly options: {
      store: Store;
      runId: string;
      tree: TreeState;
      writer: NodeWriter;
      emit: (event: EngineEvent) => void;
      kick: (nodeId: string) => void;
    },
  ) {}

  /** Applies a recorded decision; otherwise makes sure a person has been asked. True when it moved. */
  async applyDecision(node: TaskNode): Promise<boolean> {
    const { store, runId, tree, writer } = this.options;
    const approval = node.approval!;
    const pending = (await store.pendingDecisions(runId)).find((entry) => entry.nodeId === node.id);
    if (pending) {
      const decision = pending.decision;
      const depsMet = tree.dependenciesSettled(node);
      await writer.apply(
        node,
        { type: 'decide', decision, depsMet },
        decision.action === 'retry' ? { result: null } : {},
      );
      return true;
    }
    if (this.announced.get(node.id) !== approval.round) {
      this.announced.set(node.id, approval.round);
      this.options.emit({ type: 'approval-request', node });
    }
    return false;
  }

  /** Wakes the nodes whose decisions other processes recorded; returns how many there were. */
  async pollDecisions(): Promise<number> {
    if (!this.waitsForPeople()) return 0;
    const decisions = await this.options.store.pendingDecisions(this.options.runId);
    for (const { nodeId } of decisions) this.options.kick(nodeId);
    return decisions.length;
  }

  /** The nodes that wait for a person. */
  waiting(): TaskNode[] {
    return [...this.options.tree.values()].filter((node) => node.status === 'awaiting_approval');
  }

  /** True while any node waits for a person. */
  waitsForPeople(): boolean {
    return this.options.tree.count('awaiting_approval') > 0;
  }
}
