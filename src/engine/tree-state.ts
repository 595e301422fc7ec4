import { settledStatuses, type NodeStatus, type TaskNode } from '../domain/index.js';
import { coveredFailure } from './written-steps.js';

/**
 * The engine's in-memory index of one run's tree: nodes by id, children by parent and dependents by
 * dependency, so a finished node wakes only the nodes that wait on it (no tree rescans).
 */
export class TreeState {
  private readonly nodes = new Map<string, TaskNode>();
  private readonly children = new Map<string, string[]>();
  private readonly dependents = new Map<string, string[]>();
  private readonly counts = new Map<NodeStatus, number>();

  constructor(nodes: Iterable<TaskNode> = []) {
    this.add(nodes);
  }

  get size(): number {
    return this.nodes.size;
  }

  /** Adds new nodes (children of a decomposed node, or the whole tree on load). */
  add(nodes: Iterable<TaskNode>): void {
    for (const node of nodes) {
      if (this.nodes.has(node.id)) continue;
      this.nodes.set(node.id, node);
      this.bump(node.status, 1);
      if (node.parentId !== null) push(this.children, node.parentId, node.id);
      for (const dependency of node.dependsOn) push(this.dependents, dependency, node.id);
    }
  }

  /** Replaces a node with its newer version. */
  put(node: TaskNode): void {
    const previous = this.require(node.id);
    this.bump(previous.status, -1);
    this.bump(node.status, 1);
    this.nodes.set(node.id, node);
  }

  get(id: string): TaskNode | undefined {
    return this.nodes.get(id);
  }

  require(id: string): TaskNode {
    const node = this.nodes.get(id);
    if (!node) throw new Error(`node ${id} is not in the tree`);
    return node;
  }

  values(): IterableIterator<TaskNode> {
    return this.nodes.values();
  }

  childrenOf(id: string): TaskNode[] {
    return (this.children.get(id) ?? []).map((child) => this.require(child));
  }

  dependentsOf(id: string): TaskNode[] {
    return (this.dependents.get(id) ?? []).map((dependent) => this.require(dependent));
  }

  dependenciesOf(node: TaskNode): TaskNode[] {
    return node.dependsOn.map((id) => this.require(id));
  }

  /** True when every dependency completed or was skipped (or failed, with a fallback that covers it). */
  dependenciesSettled(node: TaskNode): boolean {
    return this.dependenciesOf(node).every(
      (dependency) => settledStatuses.has(dependency.status) || coveredFailure(node, dependency),
    );
  }

  /**
   * The first dependency that failed or was cancelled, which means the node can never run; a failure
   * a written fallback covers (issue 16) is not one.
   */
  blockingDependency(node: TaskNode): TaskNode | undefined {
    return this.dependenciesOf(node).find(
      (dependency) =>
        (dependency.status === 'failed' || dependency.status === 'cancelled') && !coveredFailure(node, dependency),
    );
  }

  /** How many nodes are in each status. */
  statusCounts(): ReadonlyMap<NodeStatus, number> {
    return this.counts;
  }

  count(status: NodeStatus): number {
    return this.counts.get(status) ?? 0;
  }

  private bump(status: NodeStatus, delta: number): void {
    this.counts.set(status, (this.counts.get(status) ?? 0) + delta);
  }
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
