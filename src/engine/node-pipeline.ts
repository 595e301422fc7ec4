import {
  emptyPipeline,
  isTerminal,
  type AgentRole,
  type NodePatch,
  type Run,
  type TaskNode,
} from '../domain/index.js';
import {
  checkNode,
  executeNode,
  planNode,
  sequenceTasks,
  type AgentRuntime,
  type AgentsConfig,
  type NodeContext,
} from '../agents/index.js';
import type { Store } from '../store/index.js';
import { buildChildren } from './build-children.js';
import type { EngineEvent } from './engine-event.js';
import { nodesExceeded, now, rootExecution } from './engine-support.js';
import type { NodeWriter, RunTotals } from './node-writer.js';
import { redoNodes } from './redo-from-node.js';
import { rollUpResult } from './roll-up-result.js';
import type { SharedRun } from './shared-run.js';
import type { TreeState } from './tree-state.js';
import { withinTimeout } from './within-timeout.js';
import { writeArtifacts } from './write-artifacts.js';
import {
  manualStepRefusal,
  renderedPrompt,
  writtenExecution,
  writtenPlan,
  writtenApprovalReason,
  writtenSkip,
} from './written-steps.js';

/** What the pipeline needs from the engine that drives it. */
export interface PipelineHost {
  store: Store;
  agents: AgentsConfig;
  owner: string;
  outDir: string | null;
  tree: TreeState;
  runtime: AgentRuntime;
  writer: NodeWriter;
  totals: RunTotals;
  sharing: SharedRun | null;
  run(): Run;
  context(node: TaskNode): NodeContext;
  kick(nodeId: string): void;
  /** Works a node this process inserted already started (no advance of it is under way). */
  workStarted(nodeId: string): void;
  /** False once the run stops starting new work (a cancel, a budget stop, a failure). */
  canStartWork(): boolean;
  emit(event: EngineEvent): void;
  /** Budget stops, cancellation and provider faults while a node is worked on. */
  onWorkError(node: TaskNode, error: unknown): Promise<void>;
  /** True when a shared run's node needs an agent this worker does not run (it was handed back). */
  handsOff(node: TaskNode, role: AgentRole): Promise<boolean>;
  /** Claims a check in a shared run. */
  claimCheck(node: TaskNode): Promise<TaskNode>;
}

/**
 * One node's way through the agents (DESIGN §1): execute, then complete or decompose (plan,
 * sequence, insert the children), check with retries and escalation, and roll a parent up once its
 * children settle. Each answer is stored before the next step.
 */
export class NodePipeline {
  constructor(private readonly host: PipelineHost) {}

  /**
   * Starts a ready node (or a pending one whose dependencies are met, made ready in the same write)
   * and takes it to `checking`, `decomposed` or a failure.
   */
  async work(startable: TaskNode): Promise<void> {
    const { writer, sharing } = this.host;
    // A written step whose condition does not hold, or a fallback not needed, is skipped unstarted.
    if (startable.status !== 'running') {
      const skip = writtenSkip(startable, this.host.tree, this.host.run());
      if (skip) {
        await writer.apply(startable, { type: 'skip', error: skip });
        return;
      }
      // A written gate with a condition that holds asks its person now (see `buildChildren`), and
      // again after a redo took back its decision (see `redoNodes`).
      const { approval } = startable;
      if (startable.requiresApproval && !approval?.decision && startable.step?.when) {
        const reason = startable.step.approvalReason ?? writtenApprovalReason;
        // The round a redo opened is the one asked (no decision recorded for an earlier round fits it).
        const round = approval ? { round: approval.round } : {};
        await writer.apply(startable, { type: 'request-approval', kind: 'gate', reason, ...round });
        return;
      }
    }
    // A node inserted started (see `decompose`) is running already.
    let node = startable.status === 'running' ? startable : await this.start(startable);
    sharing?.renew(node);
    try {
      const answered = await this.execute(node);
      if (answered === null) return;
      const { execution } = answered.unsaved.pipeline ?? answered.node.pipeline;
      if (execution === null) return;
      if (execution.action === 'complete') {
        // The answer is stored with the submit itself: one write, still before the checker acts. A
        // worker of a shared run that runs the checker keeps the node (a lease on the submit) and
        // checks it within the same claim, instead of claiming it again in a write of its own.
        const kept = sharing?.serves('checker') ? sharing.newLease() : null;
        const submitted = await writer.apply(
          answered.node,
          { type: 'submit', lease: kept },
          { ...answered.unsaved, result: execution.result },
        );
        if (kept && sharing) {
          sharing.renew(submitted);
          await this.check(submitted);
        }
        return;
      }
      node = answered.unsaved.pipeline ? await writer.save(answered.node, answered.unsaved) : answered.node;
      await this.decompose(node);
    } catch (error) {
      await this.host.onWorkError(this.host.tree.require(node.id), error);
    }
  }

  /** Checks a node's result: pass (artifacts written), retry with the feedback, or escalate. */
  async check(unclaimed: TaskNode): Promise<void> {
    const { writer, tree } = this.host;
    // In a shared run, a check is claimed first, unless this worker kept the node when it submitted.
    const node =
      this.host.sharing && unclaimed.lease === null ? await this.host.claimCheck(unclaimed) : unclaimed;
    try {
      const outcome = await checkNode(this.host.runtime, this.host.context(node));
      const spent = writer.spend(node, 'checker', outcome);
      if (!outcome.success) {
        await writer.apply(
          node,
          { type: 'fail', error: { kind: 'model', message: outcome.error.message } },
          spent,
        );
        return;
      }
      const verdict = outcome.value;
      const history: NodePatch = {
        ...spent,
        check: verdict,
        checks: [...node.checks, { ...verdict, attempt: node.attempts, at: now() }],
      };
      if (verdict.verdict === 'pass') {
        const written = await writeArtifacts(this.host.outDir, node.result?.artifacts ?? []);
        if (!written.success) {
          await writer.apply(
            node,
            { type: 'fail', error: { kind: 'internal', message: written.error } },
            history,
          );
          return;
        }
        // The step is done: its answer's result is the node's `result`, not kept a second time.
        await writer.apply(node, { type: 'pass' }, { ...history, pipeline: { ...emptyPipeline } });
      } else if (node.attempts < this.host.run().limits.maxAttempts) {
        await writer.apply(
          node,
          { type: 'retry', feedback: verdict.feedback },
          { ...history, pipeline: { ...emptyPipeline } },
        );
      } else {
        const reason = `the checker failed it ${node.attempts} times; last feedback: ${verdict.feedback}`;
        await writer.apply(
          node,
          { type: 'request-approval', kind: 'escalation', reason },
          {
            ...history,
            pipeline: { ...emptyPipeline },
          },
        );
      }
    } catch (error) {
      await this.host.onWorkError(tree.require(node.id), error);
    }
  }

  /**
   * Completes a decomposed node once every child settled, or fails it if one failed. A failure
   * that a run limit caused is named first and carried up, so the run's end can say which limit
   * stopped it and which flag raises it.
   */
  async rollUp(node: TaskNode): Promise<void> {
    const children = this.host.tree.childrenOf(node.id);
    if (children.length === 0 || !children.every((child) => isTerminal(child.status))) return;
    // A failed written step whose fallback completed took the other path; it does not fail the parent.
    const unfinished = children.filter(
      (child) =>
        (child.status === 'failed' || child.status === 'cancelled') &&
        !(child.fallbackId && this.host.tree.get(child.fallbackId)?.status === 'completed'),
    );
    const failed = unfinished.find((child) => child.error?.limit) ?? unfinished[0];
    if (failed) {
      const limit = failed.error?.limit;
      const message = `subtask ${failed.id} "${failed.title}" ${failed.status}`;
      await this.host.writer.apply(node, {
        type: 'fail',
        error: limit
          ? { kind: 'dependency', message: `${message}: ${limit.message}`, limit }
          : { kind: 'dependency', message },
      });
    } else {
      await this.host.writer.apply(node, { type: 'roll-up' }, { result: rollUpResult(children) });
    }
  }

  /**
   * A parent that `resume --from-node` has do its work again keeps its children and its stored
   * answers (no planner or sequencer call): its settled children are done again, and it goes back
   * to waiting on them.
   */
  private async redoChildren(node: TaskNode, redo: NonNullable<TaskNode['redo']>): Promise<void> {
    const { writer, tree } = this.host;
    const children = tree.childrenOf(node.id);
    await redoNodes({
      tree,
      writer,
      nodes: children,
      request: { nodeId: redo.from, reason: redo.reason },
      reopened: new Set(children.map((child) => child.id)),
    });
    await writer.apply(
      node,
      { type: 'decompose' },
      { redo: null, pipeline: { ...emptyPipeline, execution: node.pipeline.execution } },
    );
    for (const child of children) this.host.kick(child.id);
  }

  /** Marks a ready node (or a pending one whose dependencies are met, made ready in the same write) running. */
  private start(startable: TaskNode): Promise<TaskNode> {
    const { writer, sharing } = this.host;
    const start = this.startEvent();
    return writer.apply(
      startable,
      startable.status === 'pending' ? [{ type: 'deps-met' }, start] : start,
      sharing ? { worker: sharing.workerId } : {},
    );
  }

  /**
   * The `start` of a node's work: in a shared run with this worker's lease; alone on a run without
   * one, so that workers taking the run over after this process died take its nodes back at once.
   */
  private startEvent() {
    return { type: 'start', lease: this.host.sharing?.newLease() ?? null } as const;
  }

  /**
   * The node's execution: the stored one, or a new answer (the root's is fixed, others ask the
   * executor) returned unsaved with what it cost, so the caller stores it with its next step.
   * Null when the executor gave no valid answer (the node was failed).
   */
  private async execute(node: TaskNode): Promise<{ node: TaskNode; unsaved: NodePatch } | null> {
    if (node.pipeline.execution !== null) return { node, unsaved: {} };
    if (node.parentId === null) {
      const execution = node.step?.steps ? writtenExecution : rootExecution;
      return { node, unsaved: { pipeline: { ...node.pipeline, execution } } };
    }
    // A written step's prompt is rendered as it starts, with its dependencies' results (issue 16).
    const { step } = node;
    // A description a person edited at the step's approval is theirs: it is not rendered over.
    const edited = node.approval?.decision?.action === 'edit';
    const rendered: NodePatch =
      step && !edited ? { description: renderedPrompt(node, this.host.tree, this.host.run()) } : {};
    if (step?.steps)
      return { node, unsaved: { ...rendered, pipeline: { ...node.pipeline, execution: writtenExecution } } };
    const guidance = node.approval?.decision?.action === 'retry' ? node.approval.decision.comment : null;
    const belowLimit = node.depth < this.host.run().limits.maxDepth;
    const manual = step !== undefined && step.plan === 'manual';
    const context = this.host.context({ ...node, ...rendered });
    const options = {
      canDecompose: belowLimit && !manual,
      guidance,
      ...(manual && belowLimit ? { refusal: manualStepRefusal } : {}),
    };
    const { runtime } = this.host;
    const outcome =
      step?.timeoutMs === undefined
        ? await executeNode(runtime, context, options)
        : await withinTimeout(runtime.signal, step.timeoutMs, (signal) =>
            executeNode({ ...runtime, signal }, context, options),
          );
    if (outcome === null) {
      // The try ran out of time: its call is aborted and it fails with that reason (a retry policy
      // may try again).
      const message = `the try took longer than the step's timeoutMs (${step!.timeoutMs} ms)`;
      await this.host.writer.apply(node, { type: 'fail', error: { kind: 'timeout', message } });
      return null;
    }
    const answered = await this.host.writer.answer(node, 'executor', outcome, (execution) => ({
      pipeline: { ...node.pipeline, execution },
    }));
    return answered && { node, unsaved: { ...rendered, ...answered } };
  }

  private async decompose(start: TaskNode): Promise<void> {
    const { writer, tree, runtime } = this.host;
    if (start.redo) return this.redoChildren(start, start.redo);
    let node = start;
    const { maxNodes } = this.host.run().limits;
    // A written level is planned by its plan: no planner, no sequencer (issue 16).
    const written = node.step?.steps ? writtenPlan(node.step.steps) : null;
    if (written)
      node = { ...node, pipeline: { ...node.pipeline, plan: written.plan, sequence: written.sequence } };
    if (node.pipeline.plan === null && (await this.host.handsOff(node, 'planner'))) return;
    if (node.pipeline.plan === null) {
      if (tree.size >= maxNodes) throw nodesExceeded(maxNodes);
      const outcome = await planNode(runtime, this.host.context(node));
      node = await writer.record(node, 'planner', outcome, (plan) => ({
        pipeline: { ...node.pipeline, plan },
      }));
      if (node.status !== 'running') return;
    }
    const plan = node.pipeline.plan!;
    if (node.pipeline.sequence === null && (await this.host.handsOff(node, 'sequencer'))) return;
    // Children a crash left inserted (before the parent was marked decomposed) are not counted twice.
    if (tree.size - tree.childrenOf(node.id).length + plan.tasks.length > maxNodes)
      throw nodesExceeded(maxNodes);
    let { sequence } = node.pipeline;
    let sequencerCost: NodePatch = {};
    if (sequence === null) {
      const outcome = await sequenceTasks(runtime, this.host.context(node), plan.tasks);
      if (outcome.fallbackReason !== null)
        this.host.emit({ type: 'sequence-fallback', node, reason: outcome.fallbackReason });
      sequence = outcome.value;
      // The children below are the stored form of this answer, and its cost is stored with the
      // decompose: no write of its own. After a crash in between, resume asks the sequencer again
      // and keeps the children it finds.
      sequencerCost = writer.spend(node, 'sequencer', outcome);
    }
    const children = buildChildren({
      parent: node,
      plan,
      sequence,
      policies: this.host.agents.approvalPolicies,
      at: now(),
      actor: this.host.owner,
      ...(node.step?.steps ? { steps: node.step.steps } : {}),
    });
    // Children that can start now are inserted started: their start is stored with their creation,
    // one round trip before their executor call instead of two. Workers of a shared run claim each
    // start on its own, and children a crash left stored (the tree has them) are kept as they are.
    const startNow = !this.host.sharing && this.host.canStartWork();
    const inserted = children.nodes.map((child, index) => {
      const created = children.events[index]!;
      // A written step with a condition or a fallback link is decided as it starts, not inserted started.
      const decidedAtStart = child.step?.when !== undefined || child.fallbackFor !== undefined;
      if (!startNow || child.status !== 'ready' || tree.get(child.id) || decidedAtStart)
        return { new: child, node: child, created, started: [] };
      const { node: started, events } = writer.moveNew(child, this.startEvent());
      return { new: child, node: started, created, started: events };
    });
    await this.host.store.insertNodes(
      inserted.map((child) => child.node),
      inserted.flatMap((child) => [child.created, ...child.started]),
    );
    tree.add(inserted.map((child) => child.node));
    // The run document's node count is a progress figure: the periodic flush stores it, rather than
    // one more write of the run per decomposed node (the nodes themselves are already stored).
    this.host.totals.dirty = true;
    for (const child of inserted) {
      this.host.emit({ type: 'node-create', node: child.new, event: child.created });
      writer.inserted(child.node, child.started);
    }
    // The children now hold the plan; keeping it on the parent too would double the tree's size.
    const decomposed = writer.apply(
      node,
      { type: 'decompose' },
      { ...sequencerCost, pipeline: { ...emptyPipeline, execution: node.pipeline.execution } },
    );
    // The children are stored, so they start while the parent's own write is on its way (after a
    // crash in between, resume decomposes the parent again and keeps the children it finds).
    for (const child of inserted)
      if (child.started.length > 0) this.host.workStarted(child.node.id);
      else this.host.kick(child.node.id);
    await decomposed;
  }
}
