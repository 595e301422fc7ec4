import type { AgentRole } from '../domain/index.js';
import type { TreeState } from './tree-state.js';

/**
 * How urgent a node's calls are, for {@link ConcurrencySlots}: the longest chain of siblings that
 * wait on the node, plus the same for each of its ancestors (list scheduling by "most work waiting
 * behind it first"). A call that continues a started node (planner, sequencer, checker) goes before
 * a new executor call of the same rank, so started work finishes and wakes what waits on it.
 */
export class CriticalPathRank {
  /** Node id → longest chain of sibling dependents behind it. Siblings are inserted together, so it never changes. */
  private readonly chains = new Map<string, number>();

  constructor(private readonly tree: TreeState) {}

  priorityOf(nodeId: string, role: AgentRole): number {
    const node = this.tree.require(nodeId);
    let rank = this.chainBehind(node.id);
    for (const ancestor of node.ancestors) rank += this.chainBehind(ancestor);
    return 2 * rank + (role === 'executor' ? 0 : 1);
  }

  private chainBehind(nodeId: string): number {
    const known = this.chains.get(nodeId);
    if (known !== undefined) return known;
    let longest = 0;
    for (const dependent of this.tree.dependentsOf(nodeId))
      longest = Math.max(longest, this.chainBehind(dependent.id) + 1);
    this.chains.set(nodeId, longest);
    return longest;
  }
}
