import { newNode, type NodeEvent, type TaskNode } from '../../src/domain/index.js';
import type { Store } from '../../src/store/index.js';
import { createdEvent, sampleRun } from './sample-documents.js';

/** Options of {@link storeBigTreeRun}. */
export interface BigTreeOptions {
  runId: string;
  /** Children of the root. */
  branches: number;
  /** Leaves under each branch. */
  leaves: number;
}

/**
 * Stores a large run straight through the store (no model): the root, `branches` children and
 * `leaves` under each. The first half of the branches are completed with their leaves, the rest are
 * decomposed with pending leaves. Returns the pending leaves, in tree order.
 */
export async function storeBigTreeRun(store: Store, options: BigTreeOptions): Promise<TaskNode[]> {
  const at = new Date().toISOString();
  const { run, root } = sampleRun({
    id: options.runId,
    prompt: `A tree of ${1 + options.branches * (1 + options.leaves)} nodes`,
    createdAt: at,
  });
  await store.createRun({ ...run, nodeCount: 1 + options.branches * (1 + options.leaves) }, root);
  const nodes: TaskNode[] = [];
  const pending: TaskNode[] = [];
  for (let b = 0; b < options.branches; b++) {
    const done = b < options.branches / 2;
    const branch = newNode({
      runId: run.id,
      id: String(b + 1),
      parent: root,
      order: b,
      key: `branch-${b + 1}`,
      title: `Branch ${b + 1}`,
      description: `part ${b + 1} of the work`,
      status: done ? 'completed' : 'decomposed',
      at,
    });
    nodes.push(branch);
    for (let l = 0; l < options.leaves; l++) {
      const leaf = newNode({
        runId: run.id,
        id: `${branch.id}.${l + 1}`,
        parent: branch,
        order: l,
        key: `leaf-${l + 1}`,
        title: `Leaf ${branch.id}.${l + 1}`,
        description: `step ${l + 1} of branch ${b + 1}`,
        status: done ? 'completed' : 'pending',
        at,
      });
      nodes.push(leaf);
      if (!done) pending.push(leaf);
    }
  }
  await store.insertNodes(nodes, nodes.map(createdEvent));
  return pending;
}

/** Moves pending nodes to ready in the store, all writes issued at once (one burst of events). */
export async function markReady(store: Store, nodes: readonly TaskNode[]): Promise<void> {
  const at = new Date().toISOString();
  await Promise.all(
    nodes.map((node) => {
      const event: NodeEvent = {
        schemaVersion: 1,
        runId: node.runId,
        nodeId: node.id,
        type: 'deps-met',
        from: 'pending',
        to: 'ready',
        actor: 'test',
        reason: null,
        at,
      };
      return store.updateNode({
        runId: node.runId,
        nodeId: node.id,
        expectedVersion: node.version,
        patch: { status: 'ready', version: node.version + 1, updatedAt: at },
        events: [event],
        current: node,
      });
    }),
  );
}
