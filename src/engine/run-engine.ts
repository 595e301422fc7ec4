import {
  addUsage,
  emptyUsage,
  ArborError,
  type AgentRole,
  type Decision,
  type Result,
  type Run,
  type TaskNode,
} from '../domain/index.js';
import type { AgentsConfig, NoteText, PromptTemplates, StepAgent } from '../agents/index.js';
import type { Model } from '../llm/model.js';
import type { Store } from '../store/index.js';
import { ApprovalDesk } from './approval-desk.js';
import { Budget } from './budget.js';
import { buildNodeContext } from './build-node-context.js';
import { CallRecorder } from './call-recorder.js';
import { ConcurrencySlots } from './concurrency-slots.js';
import { createAgentRuntime } from './create-agent-runtime.js';
import { CriticalPathRank } from './critical-path-rank.js';
import type { EngineEvent } from './engine-event.js';
import type { SharedRun, SharedRunOptions } from './shared-run.js';
import { StoreBudget } from './store-budget.js';
import { TreeState } from './tree-state.js';
import { now } from './engine-support.js';
import { NodePipeline } from './node-pipeline.js';
import { NodeScheduler } from './node-scheduler.js';
import { NodeWriter, type RunTotals } from './node-writer.js';
import { recoverRun } from './recover-run.js';
import { checkRedo, type RedoRequest } from './redo-from-node.js';
import { RunControl } from './run-control.js';
import { noopRunTracer, type RunTracer } from './run-tracer.js';
import { runEndStatus, type RunOutcome } from './run-end-status.js';
import { SharedNodeSteps } from './shared-node-steps.js';
import { SharedRunMember } from './shared-run-member.js';
import { WorkFailures } from './work-failures.js';

/** Everything a run needs to be driven by this process. */
export interface RunEngineOptions {
  store: Store;
  run: Run;
  agents: AgentsConfig;
  templates: PromptTemplates;
  modelFor: (role: AgentRole) => Model;
  /**
   * What a written step's `agent` (an `--llm` spec or an agent file, issue 16) gives its node;
   * without it, such steps use the run's agents.
   */
  stepAgent?: (agent: string) => StepAgent;
  notes: readonly NoteText[];
  /** Who drives the run, recorded on leases and events. */
  owner: string;
  /** Keep running while nodes wait for people (a terminal prompt or another process will decide). */
  waitForApprovals: boolean;
  /** How often to look for decisions made by other processes. */
  decisionPollMs?: number;
  /** The run's output folder for executor artifacts; null keeps them only in the store. */
  outDir: string | null;
  /** On resume: give failed and cancelled branches another go. */
  reopenFailed?: boolean;
  /**
   * On resume (`--from-node`): have this settled node's subtree done again, with its dependents and
   * the ancestors that roll up again (see `redoFromNode`). Checked when the engine is built.
   */
  redo?: RedoRequest;
  /** Most calls in flight per provider (a model's `provider`), across roles; unnamed providers: no limit of their own. */
  providerConcurrency?: Readonly<Record<string, number>>;
  onEvent?: (event: EngineEvent) => void;
  /** Told of node changes and model calls, for traces; default: nothing is traced. */
  tracer?: RunTracer;
  /** Waits between the tries of a written step with a `retry` policy (default: a timer); tests inject a clock. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * Aborted when this process no longer holds the run (`RunLock.lost`: another process took it
   * over): the drive stops at once, abandons its calls in flight, stores nothing more, and throws
   * the signal's reason.
   */
  lost?: AbortSignal;
  /**
   * Share the run with other workers instead of driving it alone: claims with leases, budgets in
   * the store, a tree kept fresh by polling (see {@link SharedRun}). The caller must not hold the run.
   */
  shared?: SharedRunOptions;
}

/**
 * Drives one run: event-driven scheduling of ready nodes, the execute → plan → sequence → recurse
 * pipeline, checks with retries, approvals, budgets and roll-up (DESIGN §1, §7). Every answer and
 * transition is stored before the next step, so a crash loses at most the calls in flight. The
 * engine wires those parts together and runs the drive loop; {@link RunControl} holds what they share.
 */
export class RunEngine {
  private readonly tree: TreeState;
  private readonly rank: CriticalPathRank;
  private readonly abort = new AbortController();
  private readonly calls: CallRecorder;
  private readonly totals: RunTotals;
  private readonly control: RunControl;
  private readonly writer: NodeWriter;
  private readonly pipeline: NodePipeline;
  private readonly steps: SharedNodeSteps;
  private readonly desk: ApprovalDesk;
  private readonly failures: WorkFailures;
  private readonly scheduler: NodeScheduler;
  private readonly member: SharedRunMember | null;
  private readonly sharing: SharedRun | null;
  /** Why this drive stopped while leaving the run open (see {@link stop}), or null. */
  private leftOpen: string | null = null;
  private markOpened: () => void = () => undefined;
  /** Resolves once {@link drive} has stored the run as driven (`running`), or has ended before that. */
  readonly opened = new Promise<void>((resolve) => (this.markOpened = resolve));

  constructor(
    private readonly options: RunEngineOptions,
    nodes: readonly TaskNode[],
  ) {
    // Alone on a run, the nodes' own usage is the truth: the run's total is flushed once a second,
    // so after a crash it may lag behind what was spent.
    this.totals = {
      usage: options.shared
        ? options.run.usage
        : nodes.reduce((sum, node) => addUsage(sum, node.usage), emptyUsage),
      dirty: false,
    };
    this.tree = new TreeState(nodes);
    if (options.redo) checkRedo(this.tree, options.run.id, options.redo.nodeId);
    const tracer = options.tracer ?? noopRunTracer;
    this.control = new RunControl({
      store: options.store,
      run: options.run,
      tree: this.tree,
      totals: this.totals,
      shared: options.shared !== undefined,
      onEvent: options.onEvent,
    });
    this.writer = new NodeWriter({
      store: options.store,
      runId: options.run.id,
      actor: options.owner,
      tree: this.tree,
      totals: this.totals,
      onTransition: (node, events) => {
        for (const event of events) {
          tracer.nodeChange(node, event);
          this.control.emit({ type: 'node-transition', node, event });
        }
        this.scheduler.afterChange(node);
      },
      ...(options.sleep ? { sleep: options.sleep } : {}),
    });
    const budget = new Budget(options.run.limits, this.totals.usage);
    const slots = new ConcurrencySlots(options.run.limits.concurrency, options.agents, {
      providerOf: (role) => options.modelFor(role).provider,
      limits: options.providerConcurrency ?? {},
    });
    this.rank = new CriticalPathRank(this.tree);
    this.calls = new CallRecorder(options.store, options.run.id);
    const member = options.shared ? this.joinSharedRun(options.shared) : null;
    this.member = member;
    this.sharing = member?.sharing ?? null;
    const storeBudget = options.shared
      ? new StoreBudget(options.store, options.run.id, options.run.limits)
      : null;
    const runtime = createAgentRuntime({
      runId: options.run.id,
      agents: options.agents,
      templates: options.templates,
      modelFor: options.modelFor,
      stepAgentOn: (nodeId) => {
        const agent = this.tree.get(nodeId)?.step?.agent;
        return agent && options.stepAgent ? options.stepAgent(agent) : null;
      },
      reserve: (estimate) => (storeBudget ? storeBudget.reserve(estimate) : budget.reserve(estimate)),
      signal: this.abort.signal,
      slots,
      rank: this.rank,
      calls: this.calls,
      tree: this.tree,
      emit: (event) => this.control.emit(event),
      tracer,
    });
    this.desk = new ApprovalDesk({
      store: options.store,
      runId: options.run.id,
      tree: this.tree,
      writer: this.writer,
      emit: (event) => this.control.emit(event),
      kick: (nodeId) => this.scheduler.kick(nodeId),
    });
    this.failures = new WorkFailures({
      control: this.control,
      writer: this.writer,
      abort: this.abort,
      refetch: member ? (nodeId) => member.refetch(nodeId) : null,
    });
    const { lost } = options;
    const stopLost = () => this.failures.stopRun(lost?.reason, (lost?.reason as Error).message);
    lost?.addEventListener('abort', stopLost, { once: true });
    this.steps = new SharedNodeSteps({
      sharing: this.sharing,
      tree: this.tree,
      writer: this.writer,
      kick: (nodeId) => this.scheduler.kick(nodeId),
    });
    this.pipeline = new NodePipeline({
      store: options.store,
      agents: options.agents,
      owner: options.owner,
      outDir: options.outDir,
      tree: this.tree,
      runtime,
      writer: this.writer,
      totals: this.totals,
      sharing: this.sharing,
      run: () => this.control.run,
      context: (node) =>
        buildNodeContext({ run: this.control.run, node, tree: this.tree, notes: this.options.notes }),
      kick: (nodeId) => this.scheduler.kick(nodeId),
      workStarted: (nodeId) => this.scheduler.workStarted(nodeId),
      canStartWork: () => this.control.canStartWork(),
      emit: (event) => {
        if (event.type === 'node-create') tracer.nodeChange(event.node, event.event);
        this.control.emit(event);
      },
      onWorkError: (node, error) => this.failures.onWorkError(node, error),
      handsOff: (node, role) => this.steps.handsOff(node, role),
      claimCheck: (node) => this.steps.claimCheck(node),
    });
    this.scheduler = new NodeScheduler({
      tree: this.tree,
      writer: this.writer,
      control: this.control,
      steps: this.steps,
      pipeline: this.pipeline,
      desk: this.desk,
      onAdvanceError: (nodeId, error) => this.failures.onAdvanceError(nodeId, error),
    });
  }

  /** The run document as this drive last wrote or read it. */
  get run(): Run {
    return this.control.run;
  }

  /** The tree as this engine sees it (read-only use). */
  get state(): TreeState {
    return this.tree;
  }

  /** Drives the run until it completes, fails, stops on a budget, or only waits for people. */
  async drive(): Promise<RunOutcome> {
    const { control } = this;
    this.options.lost?.throwIfAborted();
    // Workers of a shared run leave its status to whoever sees it change.
    try {
      if (!this.sharing) await control.updateRun({ status: 'running', stopReason: null, endedAt: null });
    } finally {
      this.markOpened();
    }
    await this.recover();
    for (const node of [...this.tree.values()]) this.scheduler.kick(node.id);
    this.sharing?.start();
    const poller = setInterval(() => void this.pollDecisions(), this.options.decisionPollMs ?? 250);
    const saver = setInterval(() => void this.flushRun(), 1000);
    try {
      for (;;) {
        await control.settled();
        if (control.fatal) throw control.fatal;
        if (this.sharing) {
          // Other workers may still move nodes: wait for what they change until the run is over here.
          if (control.isFinished() || control.stopReason) break;
          await control.woken();
          continue;
        }
        if (control.isFinished() || control.stopReason || !this.desk.waitsForPeople()) break;
        // Listens before anything below awaits, so that no wake in between is missed.
        const woken = control.woken();
        // A decision may have landed from another process since the last poll.
        if ((await this.pollDecisions()) > 0) continue;
        if (!this.options.waitForApprovals) break;
        await control.markWaiting(this.desk.waiting());
        await woken;
      }
    } catch (error) {
      // Taken over: whatever failed since (a node the new holder moved), the reason is the takeover.
      const reason: unknown = this.options.lost?.aborted ? this.options.lost.reason : error;
      await this.failures.markFailed(reason);
      throw reason;
    } finally {
      clearInterval(poller);
      clearInterval(saver);
      await this.sharing?.stop();
      await this.calls.flush();
    }
    return this.finish();
  }

  /**
   * Records and applies a person's decision (from the terminal prompt of this process). Fails when
   * the node is not waiting for that decision, e.g. because someone else decided first.
   */
  async decide(
    nodeId: string,
    decision: Omit<Decision, 'round' | 'at'> & { round?: number },
  ): Promise<Result<void>> {
    const node = this.tree.get(nodeId);
    if (!node?.approval || node.status !== 'awaiting_approval')
      return { success: false, error: `node ${nodeId} is not waiting for a decision` };
    const full: Decision = { ...decision, round: decision.round ?? node.approval.round, at: now() };
    const recorded = await this.options.store.recordDecision(this.control.run.id, nodeId, full);
    if (recorded.success) this.scheduler.kick(nodeId);
    return recorded;
  }

  /**
   * Stops starting new work; in-flight calls are abandoned after `graceMs`. The run ends cancelled,
   * unless `leaveOpen`: then it is stored as it was (`running`, or `awaiting_approval`) with no stop
   * reason, so that the next process to take it up (`arbor resume`, a restarted `arbor serve`) goes
   * on with it, as after a crash, but with everything stored. A stop for another reason before it
   * (a budget, a failure) still ends the run as that one.
   */
  stop(reason: string, graceMs = 5000, options: { leaveOpen?: boolean } = {}): void {
    if (this.control.stop({ kind: 'cancelled', message: reason }) && options.leaveOpen)
      this.leftOpen = reason;
    setTimeout(() => this.abort.abort(new ArborError(`cancelled: ${reason}`)), graceMs).unref();
    this.control.wake();
  }

  // ---- approvals and the run document -------------------------------------------------------------

  /** Applies decisions other processes recorded; returns how many it found (0 when the store fails). */
  private async pollDecisions(): Promise<number> {
    try {
      return await this.desk.pollDecisions();
    } catch (error) {
      this.control.fail(error);
      return 0;
    }
  }

  /** Writes the run document when this process counted usage the stored run lacks. */
  private async flushRun(): Promise<void> {
    if (!this.totals.dirty || this.control.fatal) return;
    try {
      await this.control.updateRun({});
    } catch (error) {
      this.control.fail(error);
    }
  }

  // ---- the end ------------------------------------------------------------------------------------

  /** Writes how the run ended here (or how this worker leaves a shared run) and says so. */
  private async finish(): Promise<RunOutcome> {
    const { control } = this;
    const left = this.member?.leave();
    if (left) return left;
    if (this.leftOpen !== null) return this.leaveOpen(this.leftOpen);
    const { status, stopReason } = runEndStatus({
      root: this.tree.require(control.run.rootId),
      stopReason: control.stopReason,
      waitsForPeople: this.desk.waitsForPeople(),
    });
    const ended = status === 'completed' || status === 'failed' || status === 'cancelled';
    await control.updateRun({ status, stopReason, nodeCount: this.tree.size, endedAt: ended ? now() : null });
    const message =
      stopReason?.message ?? (status === 'completed' ? 'run completed' : 'waiting for approval');
    control.emit({ type: 'run-end', status, message, at: control.run.updatedAt, leftOpen: false });
    return { status, stopReason, run: control.run };
  }

  /** Ends this drive with the run left open for the next process (see {@link stop}). */
  private async leaveOpen(reason: string): Promise<RunOutcome> {
    const { control } = this;
    const status = control.run.status === 'awaiting_approval' ? 'awaiting_approval' : 'running';
    await control.updateRun({ status, stopReason: null, nodeCount: this.tree.size, endedAt: null });
    control.emit({
      type: 'run-end',
      status,
      message: `stopped (${reason}); it goes on when the run is resumed`,
      at: control.run.updatedAt,
      leftOpen: true,
    });
    return { status, stopReason: null, run: control.run };
  }

  // ---- recovery and shared runs -------------------------------------------------------------------

  /** Nodes in flight when a previous process stopped go back to `ready`; failed branches reopen on request. */
  private async recover(): Promise<void> {
    // Other workers' nodes in flight are theirs while their leases last.
    if (this.sharing) return this.sharing.reclaimExpired();
    await recoverRun({
      tree: this.tree,
      writer: this.writer,
      reopenFailed: this.options.reopenFailed ?? false,
      ...(this.options.redo ? { redo: this.options.redo } : {}),
    });
  }

  /** Makes this engine one worker of a shared run. */
  private joinSharedRun(options: SharedRunOptions): SharedRunMember {
    return new SharedRunMember(options, {
      store: this.options.store,
      tree: this.tree,
      totals: this.totals,
      control: this.control,
      rank: this.rank,
      kick: (nodeId) => this.scheduler.kick(nodeId),
      again: (nodeId) => this.scheduler.again(nodeId),
      afterChange: (node) => this.scheduler.afterChange(node),
      reclaim: (node) => this.steps.reclaim(node),
      waitsForPeople: () => this.desk.waitsForPeople(),
    });
  }
}
