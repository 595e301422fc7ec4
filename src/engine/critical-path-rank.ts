import type { AgentRole } from '../domain/index.js';
import type { TreeState } from './tree-state.js';

/** Depths told apart when breaking ties; deeper nodes tie with the deepest. */
const depthLevels = 16;

/**
 * How urgent a node's calls are, for {@link ConcurrencySlots}: the longest chain of siblings that
 * wait on the node, plus the same for each of its ancestors (list scheduling by "most work waiting
 * behind it first"). A call that continues a started node (planner, sequencer, checker) goes before
 * a new executor call of the same rank, so started work finishes and wakes what waits on it. Among
 * those still equal, the shallower node goes first: it is the likelier to decompose, and expanding
 * the tree early keeps enough calls ready to fill every slot (fewer idle slots mid-run and at the end).
 */
export class CriticalPathRank {
  /** Node id → longest chain of sibling dependents behind it. Siblings are inserted together, so it never changes. */
  private readonly chains = new Map<string, number>();

  constructor(private readonly tree: TreeState) {}

  priorityOf(nodeId: string, role: AgentRole): number {
    const node = this.tree.require(nodeId);
    let rank = this.chainBehind(node.id);
    for (const ancestor of node.ancestors) rank += this.chainBehind(ancestor);
    const urgency = 2 * rank + (role === 'executor' ? 0 : 1);
    return urgency * depthLevels + (depthLevels - 1 - Math.min(node.depth, depthLevels - 1));
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
