import { join } from 'node:path';
import { z } from 'zod';
import {
  ConflictError,
  decisionSchema,
  decisionsFor,
  err,
  ok,
  StoreError,
  type Decision,
  type ModelCall,
  type NodeEvent,
  type Result,
  type TaskNode,
} from '../../domain/index.js';
import { parseEvent, parseNode, parseNodeUpdate } from '../read-documents.js';
import type { PendingDecision, UpdateNodeOptions } from '../store.js';
import { RunCalls } from './run-calls.js';
import { RunDecisions } from './run-decisions.js';
import { RunJournal } from './run-journal.js';

/**
 * The nodes, events and decisions of one run in the embedded store: `journal.jsonl` and
 * `decisions.jsonl` under the run's directory. Every read first applies what other processes
 * appended; a decision not yet applied by the engine shows on its node's `approval.decision`.
 */
export class EmbeddedRun {
  private constructor(
    readonly runId: string,
    private readonly journal: RunJournal,
    private readonly decisions: RunDecisions,
    private readonly calls: RunCalls,
  ) {}

  /** Opens the files of a run in `directory`; null when the run has no journal and `create` is false. */
  static open(
    directory: string,
    runId: string,
    options: { create: boolean; fsync: boolean },
  ): EmbeddedRun | null {
    const journal = RunJournal.open(join(directory, 'journal.jsonl'), options);
    if (journal === null) return null;
    try {
      const calls = new RunCalls(join(directory, 'calls.jsonl'), options.fsync);
      return new EmbeddedRun(
        runId,
        journal,
        RunDecisions.open(join(directory, 'decisions.jsonl'), options),
        calls,
      );
    } catch (error) {
      journal.close();
      throw error;
    }
  }

  getNode(nodeId: string): TaskNode | null {
    this.refresh();
    const node = this.journal.get(nodeId);
    return node ? this.withPendingDecision(node) : null;
  }

  listNodes(): TaskNode[] {
    this.refresh();
    return this.journal.list().map((node) => this.withPendingDecision(node));
  }

  insertNodes(nodes: readonly TaskNode[], events: readonly NodeEvent[]): void {
    const valid = nodes.map((node) => parseNode(node, `new node ${node.id} of run ${this.runId}`));
    const validEvents = events.map((event) =>
      parseEvent(event, `event of node ${event.nodeId} in run ${this.runId}`),
    );
    this.journal.insert(valid, validEvents);
  }

  updateNode(options: UpdateNodeOptions): TaskNode {
    const { nodeId, expectedVersion } = options;
    // The append applies what others wrote before its line, and refuses a patch that lost: read
    // ahead only when this process's copy does not match (it usually is the only writer).
    if (this.journal.get(nodeId)?.version !== expectedVersion) this.journal.refresh();
    this.checkVersion(nodeId, expectedVersion);
    const source = `update of node ${nodeId} in run ${this.runId}`;
    const { patch, events } = parseNodeUpdate(options, source);
    if (!this.journal.patch({ id: nodeId, expected: expectedVersion, patch, events })) {
      this.checkVersion(nodeId, expectedVersion);
      throw new StoreError(`${source} was not applied`, { runId: this.runId, nodeId });
    }
    const node = this.journal.get(nodeId);
    if (!node)
      throw new StoreError(`node ${nodeId} of run ${this.runId} vanished`, { runId: this.runId, nodeId });
    // Only a node that waits for a person can have a decision recorded by another process.
    if (node.status === 'awaiting_approval') this.decisions.refresh();
    return this.withPendingDecision(node);
  }

  /** Extends the lease that carries `token`, keeping the node's version; false when it is gone. */
  renewLease(nodeId: string, token: string, expiresAt: string): boolean {
    this.journal.refresh();
    const node = this.journal.get(nodeId);
    if (!node?.lease || node.lease.token !== token) return false;
    const lease = { ...node.lease, expiresAt };
    return this.journal.patch({ id: nodeId, expected: node.version, patch: { lease }, events: [] });
  }

  listEvents(nodeId?: string): NodeEvent[] {
    return this.journal.events(nodeId);
  }

  listEventsAfter(after: number, limit?: number): NodeEvent[] {
    return this.journal.eventsAfter(after, limit);
  }

  recordCall(call: ModelCall): void {
    this.calls.append(call);
  }

  listCalls(nodeId?: string): ModelCall[] {
    return this.calls.list(nodeId);
  }

  recordDecision(nodeId: string, decision: Decision): Result<void> {
    const parsed = decisionSchema.safeParse(decision);
    if (!parsed.success) return err(`not a valid decision: ${z.prettifyError(parsed.error)}`);
    this.refresh();
    const node = this.journal.get(nodeId);
    if (!node) return err(`run ${this.runId} has no node ${nodeId}`);
    const refused = refuseDecision(
      node,
      parsed.data,
      this.decisions.winner(nodeId, parsed.data.round)?.decision,
    );
    if (refused !== null) return err(refused);
    const { won, winner } = this.decisions.record(nodeId, parsed.data);
    return won ? ok(undefined) : err(alreadyDecided(node, winner.decision));
  }

  pendingDecisions(): PendingDecision[] {
    this.refresh();
    const pending: PendingDecision[] = [];
    for (const [nodeId, rounds] of this.decisions.decidedNodes()) {
      const node = this.journal.get(nodeId);
      const approval = node?.approval;
      if (node?.status !== 'awaiting_approval' || !approval || approval.decision !== null) continue;
      const winner = rounds.get(approval.round);
      if (winner) pending.push({ nodeId, decision: winner.decision });
    }
    return pending;
  }

  close(): void {
    this.journal.close();
    this.decisions.close();
    this.calls.close();
  }

  private refresh(): void {
    this.journal.refresh();
    this.decisions.refresh();
  }

  private checkVersion(nodeId: string, expectedVersion: number): void {
    const node = this.journal.get(nodeId);
    if (!node) throw new StoreError(`run ${this.runId} has no node ${nodeId}`, { runId: this.runId, nodeId });
    if (node.version !== expectedVersion)
      throw new ConflictError(
        `node ${nodeId} of run ${this.runId} changed under this writer: expected version ${expectedVersion}, found ${node.version}`,
        { runId: this.runId, nodeId },
      );
  }

  /**
   * The node as readers see it: a recorded, not yet applied decision fills `approval.decision`.
   * Otherwise it is the journal's own frozen version, shared with every reader rather than copied
   * (a run holds one object per node, not one per reader).
   */
  private withPendingDecision(node: TaskNode): TaskNode {
    const approval = node.approval;
    if (node.status !== 'awaiting_approval' || approval === null || approval.decision !== null) return node;
    const winner = this.decisions.winner(node.id, approval.round);
    return winner ? Object.freeze({ ...node, approval: { ...approval, decision: winner.decision } }) : node;
  }
}

/** Why a decision may not be recorded on `node`, or null when it may. */
function refuseDecision(node: TaskNode, decision: Decision, recorded: Decision | undefined): string | null {
  const approval = node.approval;
  if (node.status !== 'awaiting_approval' || approval === null)
    return `node ${node.id} ("${node.title}") is not waiting for approval; it is ${node.status}`;
  if (decision.round !== approval.round)
    return `decision for round ${decision.round} is stale: node ${node.id} is at round ${approval.round}`;
  const earlier = approval.decision ?? recorded;
  if (earlier) return alreadyDecided(node, earlier);
  const allowed: readonly string[] = decisionsFor[approval.kind];
  if (!allowed.includes(decision.action))
    return `"${decision.action}" does not answer ${approval.kind === 'gate' ? 'an approval gate' : 'an escalation'} on node ${node.id}; choose ${allowed.join(', ')}`;
  return null;
}

function alreadyDecided(node: TaskNode, decision: Decision): string {
  return `node ${node.id} ("${node.title}") was already decided: ${decision.action} by ${decision.by} at ${decision.at}`;
}
