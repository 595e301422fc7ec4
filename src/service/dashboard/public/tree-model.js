// A run's tree in the page: nodes by id, children in order, and a version per node that changes
// whenever anything in its subtree does, so the view re-renders only the rows on a changed path.

import { settledStatuses } from './format.js';

/** How many children a parent shows before "show more" (busy ones are always shown). */
export const childPage = 100;

const busyStatuses = new Set(['running', 'checking', 'awaiting_approval', 'failed']);

export class TreeModel {
  constructor() {
    this.nodes = new Map();
    this.children = new Map();
    this.versions = new Map();
    this.counts = {};
    this.rootId = null;
    /** Folds the person chose, by node id (true: open); the rest follow the default. */
    this.folds = new Map();
    /** How many children each parent shows. */
    this.shown = new Map();
    this.sizes = new Map();
    /** The time of the last event applied to each node: a document read before it keeps the newer status. */
    this.eventTimes = new Map();
    this.listeners = new Set();
  }

  /**
   * Takes a tree document (GET …/tree), keeping the person's folds. Only the nodes whose stored
   * version, status or children changed are marked changed, so reading the tree again redraws
   * only what moved.
   */
  load(tree) {
    const seen = new Set();
    this.counts = {};
    const stack = [tree.root];
    while (stack.length > 0) {
      const node = stack.pop();
      const { children, ...fields } = node;
      const ids = children.map((child) => child.id);
      const known = this.nodes.get(node.id);
      this.keepNewerStatus(fields, known);
      const before = this.children.get(node.id);
      seen.add(node.id);
      this.counts[fields.status] = (this.counts[fields.status] ?? 0) + 1;
      for (const child of children) stack.push(child);
      if (
        known &&
        known.version === fields.version &&
        known.status === fields.status &&
        before?.length === ids.length
      )
        continue;
      this.nodes.set(node.id, fields);
      this.children.set(node.id, ids);
      for (const changed of [...fields.ancestors, node.id]) {
        this.versions.set(changed, (this.versions.get(changed) ?? 0) + 1);
        this.sizes.delete(changed);
      }
    }
    for (const id of [...this.nodes.keys()]) if (!seen.has(id)) this.nodes.delete(id);
    this.rootId = tree.root.id;
    this.changed();
  }

  /** Adds or replaces one node (GET …/nodes/ID); a new one goes to its place among its siblings. */
  upsert(given) {
    const known = this.nodes.get(given.id);
    const node = { ...given };
    this.keepNewerStatus(node, known);
    if (known) this.countMove(known.status, node.status);
    else {
      if (node.parentId !== null && !this.nodes.has(node.parentId)) return false;
      this.counts[node.status] = (this.counts[node.status] ?? 0) + 1;
      this.children.set(node.id, this.children.get(node.id) ?? []);
      if (node.parentId !== null) {
        const siblings = this.children.get(node.parentId);
        let index = siblings.length;
        while (index > 0 && this.nodes.get(siblings[index - 1]).order > node.order) index -= 1;
        siblings.splice(index, 0, node.id);
      }
    }
    this.nodes.set(node.id, node);
    this.touch(node.id);
    return true;
  }

  /** Applies a stream event; false when the node is not known yet (the caller fetches it). */
  apply(event) {
    const node = this.nodes.get(event.nodeId);
    if (!node) return false;
    const last = this.eventTimes.get(node.id);
    if (last === undefined || event.at > last) this.eventTimes.set(node.id, event.at);
    if (node.status !== event.to) {
      this.countMove(node.status, event.to);
      this.nodes.set(node.id, { ...node, status: event.to });
      this.touch(node.id);
    }
    return true;
  }

  /** A document read before the last event applied to its node keeps the status that event set. */
  keepNewerStatus(fields, known) {
    const eventAt = this.eventTimes.get(fields.id);
    if (known && eventAt !== undefined && eventAt > fields.updatedAt) fields.status = known.status;
  }

  countMove(from, to) {
    if (from === to) return;
    this.counts[from] -= 1;
    this.counts[to] = (this.counts[to] ?? 0) + 1;
  }

  /** Marks a node and its ancestors changed. */
  touch(id) {
    const node = this.nodes.get(id);
    for (const changed of [...node.ancestors, id]) {
      this.versions.set(changed, (this.versions.get(changed) ?? 0) + 1);
      this.sizes.delete(changed);
    }
    this.changed();
  }

  version(id) {
    return this.versions.get(id) ?? 0;
  }

  /** Open unless the person folded it; by default a settled subtree is folded, the root never. */
  isOpen(id) {
    const chosen = this.folds.get(id);
    if (chosen !== undefined) return chosen;
    return id === this.rootId || !settledStatuses.has(this.nodes.get(id).status);
  }

  toggle(id) {
    this.folds.set(id, !this.isOpen(id));
    this.touch(id);
  }

  /** Opens every ancestor of a node, so it can be seen. */
  reveal(id) {
    const node = this.nodes.get(id);
    if (!node) return;
    for (const ancestor of node.ancestors) if (!this.isOpen(ancestor)) this.folds.set(ancestor, true);
    this.touch(id);
  }

  /** The children a parent shows: the first page, plus any busy one past it. */
  visibleChildren(id) {
    const all = this.children.get(id) ?? [];
    const limit = this.shown.get(id) ?? childPage;
    if (all.length <= limit) return { ids: all, hidden: 0 };
    const ids = all.slice(0, limit);
    for (const child of all.slice(limit)) if (busyStatuses.has(this.nodes.get(child).status)) ids.push(child);
    return { ids, hidden: all.length - ids.length };
  }

  showMore(id) {
    this.shown.set(id, (this.shown.get(id) ?? childPage) + childPage * 5);
    this.touch(id);
  }

  /** How many nodes are under a node (cached until its subtree changes). */
  subtreeSize(id) {
    let size = this.sizes.get(id);
    if (size !== undefined) return size;
    size = 0;
    const stack = [...(this.children.get(id) ?? [])];
    while (stack.length > 0) {
      const next = stack.pop();
      size += 1;
      for (const child of this.children.get(next) ?? []) stack.push(child);
    }
    this.sizes.set(id, size);
    return size;
  }

  /** Ids of the nodes whose id, key or title holds `text`, at most `limit`. */
  search(text, limit = 300) {
    const needle = text.trim().toLowerCase();
    const found = [];
    for (const node of this.nodes.values()) {
      if (`${node.id} ${node.key} ${node.title}`.toLowerCase().includes(needle)) found.push(node.id);
      if (found.length >= limit) break;
    }
    return found;
  }

  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed() {
    for (const listener of this.listeners) listener();
  }
}
