import {
  decisionsFor,
  err,
  ok,
  type Approval,
  type Decision,
  type Result,
  type TaskNode,
} from '../../domain/index.js';
import { parseNode } from '../read-documents.js';
import type { PendingDecision } from '../store.js';
import type { MongoCollections } from './mongo-collections.js';
import { nodeFields } from './node-updates.js';
import type { StoreCall } from './retry-transient.js';

/**
 * Records a person's decision on a node awaiting approval, from any process. Not a versioned write:
 * the engine applies the decision later with one, and the conditions (waiting, this round,
 * undecided) make the first decision win. Refused, with the reason, when they do not hold.
 */
export async function recordDecision(
  nodes: MongoCollections['nodes'],
  call: StoreCall,
  { runId, nodeId, decision }: { runId: string; nodeId: string; decision: Decision },
): Promise<Result<void>> {
  const kinds = (Object.keys(decisionsFor) as Approval['kind'][]).filter((kind) =>
    (decisionsFor[kind] as readonly string[]).includes(decision.action),
  );
  const written = await call(
    `recording a decision on node ${nodeId}`,
    () =>
      nodes.updateOne(
        {
          runId,
          id: nodeId,
          status: 'awaiting_approval',
          'approval.round': decision.round,
          'approval.decision': null,
          'approval.kind': { $in: kinds },
        },
        { $set: { 'approval.decision': decision } },
      ),
    { runId, nodeId },
  );
  if (written.matchedCount === 1) return ok(undefined);
  const node = await call(
    `reading node ${nodeId}`,
    () => nodes.findOne({ runId, id: nodeId }, { projection: nodeFields }),
    { runId, nodeId },
  );
  return err(whyNotDecided(runId, nodeId, node && parseNode(node, `nodes/${runId}/${nodeId}`), decision));
}

/** Recorded decisions whose node still awaits approval at that round. */
export async function pendingDecisions(
  nodes: MongoCollections['nodes'],
  call: StoreCall,
  runId: string,
): Promise<PendingDecision[]> {
  const documents = await call(
    `listing decisions of run ${runId}`,
    () =>
      nodes
        .find(
          { runId, status: 'awaiting_approval', 'approval.decision': { $ne: null } },
          { projection: nodeFields },
        )
        .sort({ depth: 1, order: 1, id: 1 })
        .toArray(),
    { runId },
  );
  return documents
    .map((document) => parseNode(document, `nodes/${runId}/${document.id}`))
    .flatMap((node) => {
      const decision = node.approval?.decision;
      return decision && decision.round === node.approval?.round ? [{ nodeId: node.id, decision }] : [];
    });
}

function whyNotDecided(runId: string, nodeId: string, node: TaskNode | null, decision: Decision): string {
  if (!node) return `node ${nodeId} of run ${runId} does not exist`;
  const approval = node.approval;
  if (node.status !== 'awaiting_approval' || !approval)
    return `node ${nodeId} is not waiting for approval (it is ${node.status})`;
  if (approval.round !== decision.round)
    return `decision for round ${decision.round} is stale: node ${nodeId} is at round ${approval.round}`;
  if (approval.decision)
    return `node ${nodeId} was already decided (${approval.decision.action} by ${approval.decision.by})`;
  const allowed: readonly string[] = decisionsFor[approval.kind];
  return `"${decision.action}" does not answer this ${approval.kind}; choose ${allowed.join(', ')}`;
}
