import {
  addUsage,
  emptyUsage,
  ArborError,
  BudgetExceededError,
  ConflictError,
  isTerminal,
  ProviderError,
  type AgentRole,
  type Decision,
  type NodeError,
  type NodePatch,
  type Result,
  type Run,
  type RunStatus,
  type StopReason,
  type TaskNode,
} from '../domain/index.js';
import {
  spentBeforeError,
  type AgentRuntime,
  type AgentsConfig,
  type NoteText,
  type PromptTemplates,
} from '../agents/index.js';
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
import { nextRole, SharedRun, type SharedRunOptions } from './shared-run.js';
import { StoreBudget } from './store-budget.js';
import { TreeState } from './tree-state.js';
import { asError, dependencyError, now } from './engine-support.js';
import { NodePipeline } from './node-pipeline.js';
import { NodeWriter, type RunTotals } from './node-writer.js';
import { recoverRun } from './recover-run.js';
import { runEndStatus } from './run-end-status.js';
import { SharedNodeSteps } from './shared-node-steps.js';

/** Everything a run needs to be driven by this process. */
export interface RunEngineOptions {
  store: Store;
  run: Run;
  agents: AgentsConfig;
  templates: PromptTemplates;
  modelFor: (role: AgentRole) => Model;
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
  onEvent?: (event: EngineEvent) => void;
  /**
   * Share the run with other workers instead of driving it alone: claims with leases, budgets in
   * the store, a tree kept fresh by polling (see {@link SharedRun}). The caller must not hold the run.
   */
  shared?: SharedRunOptions;
}

/** How a drive of the run ended. */
export interface RunOutcome {
  status: RunStatus;
  stopReason: StopReason | null;
  run: Run;
}

/**
 * Drives one run: event-driven scheduling of ready nodes, the execute → plan → sequence → recurse
 * pipeline, checks with retries, approvals, budgets and roll-up (DESIGN §1, §7). Every answer and
 * transition is stored before the next step, so a crash loses at most the calls in flight.
 */
export class RunEngine {
  private readonly tree: TreeState;
  private readonly budget: Budget;
  private readonly slots: ConcurrencySlots;
  private readonly rank: CriticalPathRank;
  private readonly abort = new AbortController();
  private readonly runtime: AgentRuntime;
  private readonly calls: CallRecorder;
  private run: Run;
  private readonly totals: RunTotals;
  private readonly writer: NodeWriter;
  private readonly pipeline: NodePipeline;
  private readonly steps: SharedNodeSteps;
  private readonly desk: ApprovalDesk;
  private readonly busy = new Set<string>();
  private readonly dirty = new Set<string>();
  private inFlight = 0;
  private stopReason: StopReason | null = null;
  private fatal: Error | null = null;
  private settleWaiter: (() => void) | null = null;
  private readonly sharing: SharedRun | null;
  /** A shared run another process ended (completed, failed, cancelled). */
  private endedElsewhere: Run | null = null;

  constructor(
    private readonly options: RunEngineOptions,
    nodes: readonly TaskNode[],
  ) {
    this.run = options.run;
    // Alone on a run, the nodes' own usage is the truth: the run's total is flushed once a second,
    // so after a crash it may lag behind what was spent.
    this.totals = {
      usage: options.shared ? options.run.usage : nodes.reduce((sum, node) => addUsage(sum, node.usage), emptyUsage),
      dirty: false,
    };
    this.tree = new TreeState(nodes);
    this.writer = new NodeWriter({
      store: options.store,
      runId: options.run.id,
      actor: options.owner,
      tree: this.tree,
      totals: this.totals,
      onTransition: (node, events) => {
        for (const event of events) this.emit({ type: 'node-transition', node, event });
        this.afterChange(node);
      },
    });
    this.budget = new Budget(options.run.limits, this.totals.usage);
    this.slots = new ConcurrencySlots(options.run.limits.concurrency, options.agents);
    this.rank = new CriticalPathRank(this.tree);
    this.calls = new CallRecorder(options.store, options.run.id);
    this.sharing = options.shared ? this.shareRun(options.shared) : null;
    const storeBudget = options.shared ? new StoreBudget(options.store, options.run.id, options.run.limits) : null;
    this.runtime = createAgentRuntime({
      runId: options.run.id,
      agents: options.agents,
      templates: options.templates,
      modelFor: options.modelFor,
      reserve: (estimate) => (storeBudget ? storeBudget.reserve(estimate) : this.budget.reserve(estimate)),
      signal: this.abort.signal,
      slots: this.slots,
      rank: this.rank,
      calls: this.calls,
      tree: this.tree,
      emit: (event) => this.emit(event),
    });
    this.desk = new ApprovalDesk({
      store: options.store,
      runId: options.run.id,
      tree: this.tree,
      writer: this.writer,
      emit: (event) => this.emit(event),
      kick: (nodeId) => this.kick(nodeId),
    });
    this.steps = new SharedNodeSteps({ sharing: this.sharing, tree: this.tree, writer: this.writer, kick: (nodeId) => this.kick(nodeId) });
    this.pipeline = new NodePipeline({
      store: options.store,
      agents: options.agents,
      owner: options.owner,
      outDir: options.outDir,
      tree: this.tree,
      runtime: this.runtime,
      writer: this.writer,
      totals: this.totals,
      sharing: this.sharing,
      run: () => this.run,
      context: (node) => buildNodeContext({ run: this.run, node, tree: this.tree, notes: this.options.notes }),
      kick: (nodeId) => this.kick(nodeId),
      emit: (event) => this.emit(event),
      onWorkError: (node, error) => this.onWorkError(node, error),
      handsOff: (node, role) => this.steps.handsOff(node, role),
      claimCheck: (node) => this.steps.claimCheck(node),
    });
  }

  /** The tree as this engine sees it (read-only use). */
  get state(): TreeState {
    return this.tree;
  }

  /** Drives the run until it completes, fails, stops on a budget, or only waits for people. */
  async drive(): Promise<RunOutcome> {
    // Workers of a shared run leave its status to whoever sees it change.
    if (!this.sharing) await this.updateRun({ status: 'running', stopReason: null, endedAt: null });
    await this.recover();
    for (const node of [...this.tree.values()]) this.kick(node.id);
    this.sharing?.start();
    const poller = setInterval(() => void this.pollDecisions(), this.options.decisionPollMs ?? 250);
    const saver = setInterval(() => void this.flushRun(), 1000);
    try {
      for (;;) {
        await this.settled();
        if (this.fatal) throw this.fatal;
        if (this.sharing) {
          // Other workers may still move nodes: wait for what they change until the run is over here.
          if (this.isFinished() || this.stopReason) break;
          await new Promise<void>((resolve) => (this.settleWaiter = resolve));
          continue;
        }
        if (this.isFinished() || this.stopReason || !this.waitsForPeople()) break;
        // A decision may have landed from another process since the last poll.
        if ((await this.pollDecisions()) > 0) continue;
        if (!this.options.waitForApprovals) break;
        await new Promise<void>((resolve) => (this.settleWaiter = resolve));
      }
    } catch (error) {
      await this.markFailed(error);
      throw error;
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
  async decide(nodeId: string, decision: Omit<Decision, 'round' | 'at'> & { round?: number }): Promise<Result<void>> {
    const node = this.tree.get(nodeId);
    if (!node?.approval || node.status !== 'awaiting_approval')
      return { success: false, error: `node ${nodeId} is not waiting for a decision` };
    const full: Decision = { ...decision, round: decision.round ?? node.approval.round, at: now() };
    const recorded = await this.options.store.recordDecision(this.run.id, nodeId, full);
    if (recorded.success) this.kick(nodeId);
    return recorded;
  }

  /** Stops starting new work; in-flight calls are abandoned after `graceMs`. */
  stop(reason: string, graceMs = 5000): void {
    this.stopReason ??= { kind: 'cancelled', message: reason };
    setTimeout(() => this.abort.abort(new ArborError(`cancelled: ${reason}`)), graceMs).unref();
    this.wake();
  }

  // ---- scheduling -------------------------------------------------------------------------------

  /** Advances a node unless it is already being advanced; then it is advanced again afterwards. */
  private kick(nodeId: string): void {
    if (this.busy.has(nodeId)) {
      this.dirty.add(nodeId);
      return;
    }
    this.busy.add(nodeId);
    this.inFlight++;
    void this.advance(nodeId)
      .catch((error: unknown) => this.onAdvanceError(nodeId, error))
      .finally(() => {
        this.busy.delete(nodeId);
        this.inFlight--;
        if (this.dirty.delete(nodeId)) this.kick(nodeId);
        this.wake();
      });
  }

  private wake(): void {
    const waiter = this.settleWaiter;
    this.settleWaiter = null;
    waiter?.();
  }

  private async settled(): Promise<void> {
    while (this.inFlight > 0) await new Promise<void>((resolve) => (this.settleWaiter = resolve));
  }

  private canStartWork(): boolean {
    return this.stopReason === null && this.fatal === null;
  }

  /** Takes the node as far as it can go now, one stored step at a time. */
  private async advance(nodeId: string): Promise<void> {
    for (;;) {
      const node = this.tree.require(nodeId);
      switch (node.status) {
        case 'pending': {
          const blocker = this.tree.blockingDependency(node);
          if (blocker) {
            await this.writer.apply(node, { type: 'skip', error: dependencyError(blocker) });
            return;
          }
          if (!this.tree.dependenciesSettled(node)) return;
          // A node that can start now is made ready and started in one write.
          if (this.canStartWork() && (await this.steps.claimed(node, (pending) => this.pipeline.work(pending)))) continue;
          await this.writer.apply(node, { type: 'deps-met' });
          continue;
        }
        case 'ready':
          if (!this.canStartWork()) return;
          if (!(await this.steps.claimed(node, (ready) => this.pipeline.work(ready)))) return;
          continue;
        case 'checking':
          if (!this.canStartWork()) return;
          if (!(await this.steps.claimed(node, (checking) => this.pipeline.check(checking)))) return;
          continue;
        case 'awaiting_approval':
          if (await this.desk.applyDecision(node)) continue;
          return;
        case 'decomposed':
          await this.pipeline.rollUp(node);
          return;
        default:
          return;
      }
    }
  }

  /** After a status change: wake the nodes that wait on this one, and its parent. */
  private afterChange(node: TaskNode): void {
    if (!isTerminal(node.status)) return;
    for (const dependent of this.tree.dependentsOf(node.id)) this.kick(dependent.id);
    if (node.parentId !== null) this.kick(node.parentId);
  }

  // ---- approvals ----------------------------------------------------------------------------------

  /** Applies decisions other processes recorded; returns how many it found (0 when the store fails). */
  private async pollDecisions(): Promise<number> {
    try {
      return await this.desk.pollDecisions();
    } catch (error) {
      this.fatal ??= asError(error);
      this.wake();
      return 0;
    }
  }

  private waitsForPeople(): boolean {
    return this.desk.waitsForPeople();
  }

  // ---- writes -------------------------------------------------------------------------------------

  private async updateRun(patch: Parameters<Store['updateRun']>[1]): Promise<void> {
    this.run = await this.options.store.updateRun(this.run.id, {
      nodeCount: this.tree.size,
      ...patch,
      // Workers of a shared run add their usage to the stored run as they settle each call.
      ...(this.sharing ? {} : { usage: this.totals.usage }),
      updatedAt: now(),
    });
    this.totals.dirty = false;
  }

  private async flushRun(): Promise<void> {
    if (!this.totals.dirty || this.fatal) return;
    try {
      await this.updateRun({});
    } catch (error) {
      this.fatal ??= asError(error);
      this.wake();
    }
  }

  // ---- failures -----------------------------------------------------------------------------------

  private async onWorkError(node: TaskNode, error: unknown): Promise<void> {
    // Answers billed before the failing call (e.g. an invalid one that was re-asked) still count.
    const spent = spentBeforeError(error);
    const paid: NodePatch = spent ? this.writer.spend(node, spent.role, spent) : {};
    const keepPaid = async () => {
      if (spent) await this.writer.save(node, paid);
    };
    if (error instanceof BudgetExceededError) {
      if (this.stopReason === null) {
        this.stopReason = { kind: 'budget', budget: error.budget, message: error.message };
        this.emit({ type: 'budget-stop', budget: error.budget, message: error.message });
      }
      if (node.status === 'running') await this.writer.apply(node, { type: 'pause', reason: error.message }, paid);
      else await keepPaid();
      return;
    }
    if (this.abort.signal.aborted) {
      if (node.status === 'running') await this.writer.apply(node, { type: 'pause', reason: 'run cancelled' }, paid);
      else await keepPaid();
      return;
    }
    if (error instanceof ProviderError || (error instanceof ArborError && !(error.name === 'StoreError' || error.name === 'ConflictError'))) {
      const nodeError: NodeError = {
        kind: error instanceof ProviderError ? 'provider' : 'internal',
        message: error.message,
      };
      if (node.status === 'running' || node.status === 'checking') await this.writer.apply(node, { type: 'fail', error: nodeError }, paid);
      else await keepPaid();
      return;
    }
    throw error;
  }

  private onAdvanceError(nodeId: string, error: unknown): void | Promise<void> {
    // In a shared run, a conflict means another worker moved the node: read it again and go on.
    if (this.sharing && error instanceof ConflictError) return this.refetch(nodeId);
    // Store failures and bugs stop the whole run; it stays resumable from what was stored.
    this.fatal ??= asError(error);
    this.stopReason ??= { kind: 'failure', message: `node ${nodeId}: ${(error as Error).message}` };
    this.abort.abort(error);
  }

  // ---- the end ------------------------------------------------------------------------------------

  private isFinished(): boolean {
    return isTerminal(this.tree.require(this.run.rootId).status);
  }

  private async finish(): Promise<RunOutcome> {
    const left = this.leaveSharedRun();
    if (left) return left;
    const { status, stopReason } = runEndStatus({
      root: this.tree.require(this.run.rootId),
      stopReason: this.stopReason,
      waitsForPeople: this.waitsForPeople(),
    });
    const ended = status === 'completed' || status === 'failed' || status === 'cancelled';
    await this.updateRun({ status, stopReason, nodeCount: this.tree.size, endedAt: ended ? now() : null });
    const message = stopReason?.message ?? (status === 'completed' ? 'run completed' : 'waiting for approval');
    this.emit({ type: 'run-end', status, message });
    return { status, stopReason, run: this.run };
  }

  /** Best effort: a run that stopped on a store failure or a bug says so, if the store still answers. */
  private async markFailed(error: unknown): Promise<void> {
    // A worker that fails leaves a shared run to the others.
    if (this.sharing) return;
    const message = (error as Error).message;
    try {
      await this.updateRun({ status: 'failed', stopReason: this.stopReason ?? { kind: 'failure', message }, endedAt: now() });
    } catch {
      // The store is what failed; the stored state is still the truth to resume from.
    }
  }

  // ---- recovery -----------------------------------------------------------------------------------

  /** Nodes in flight when a previous process stopped go back to `ready`; failed branches reopen on request. */
  private async recover(): Promise<void> {
    // Other workers' nodes in flight are theirs while their leases last.
    if (this.sharing) return this.sharing.reclaimExpired();
    await recoverRun({ tree: this.tree, writer: this.writer, reopenFailed: this.options.reopenFailed ?? false });
  }

  // ---- shared runs (workers) ---------------------------------------------------------------------

  private shareRun(options: SharedRunOptions): SharedRun {
    return new SharedRun(options, {
      store: this.options.store,
      runId: this.options.run.id,
      tree: this.tree,
      capacity: this.options.run.limits.concurrency,
      changed: (node) => {
        this.totals.dirty = true;
        this.kick(node.id);
        this.afterChange(node);
      },
      kick: (nodeId) => this.kick(nodeId),
      priorityOf: (node) => this.rank.priorityOf(node.id, nextRole(node) ?? 'executor'),
      reclaim: (node) => this.steps.reclaim(node),
      runRead: (run) => this.onSharedRunRead(run),
      failed: (error) => {
        this.fatal ??= asError(error);
        this.wake();
      },
    });
  }

  /** After a conflict in a shared run: the stored node replaces ours, and the node is advanced again. */
  private async refetch(nodeId: string): Promise<void> {
    try {
      const stored = await this.options.store.getNode(this.run.id, nodeId);
      const cached = this.tree.get(nodeId);
      if (stored && cached && stored.version >= cached.version) {
        this.tree.put(stored);
        if (stored.version > cached.version) this.afterChange(stored);
      }
      this.dirty.add(nodeId);
    } catch (error) {
      this.fatal ??= asError(error);
      this.wake();
    }
  }

  /** The stored run, as a shared run's poll read it: ended elsewhere, or its status to keep current. */
  private onSharedRunRead(run: Run): void {
    if (run.status === 'completed' || run.status === 'failed' || run.status === 'cancelled') {
      if (this.endedElsewhere === null && !this.isFinished()) {
        this.endedElsewhere = run;
        this.stopReason ??= run.stopReason ?? { kind: 'cancelled', message: `the run was ${run.status} elsewhere` };
        this.wake();
      }
      return;
    }
    this.run = { ...this.run, status: run.status, usage: run.usage };
    const busy = this.inFlight > 0 || this.tree.count('ready') + this.tree.count('running') + this.tree.count('checking') > 0;
    const status: RunStatus = !busy && this.waitsForPeople() ? 'awaiting_approval' : 'running';
    if (status !== run.status) void this.updateRun({ status }).catch((error: unknown) => this.onSharedRunFailure(error));
  }

  private onSharedRunFailure(error: unknown): void {
    this.fatal ??= asError(error);
    this.wake();
  }

  /** How a worker leaves a shared run that is not finished: it ended elsewhere, or this worker stops. */
  private leaveSharedRun(): RunOutcome | null {
    if (!this.sharing || this.isFinished()) return null;
    const ended = this.endedElsewhere;
    if (ended) return { status: ended.status, stopReason: ended.stopReason, run: ended };
    if (this.stopReason?.kind !== 'cancelled') return null;
    this.emit({ type: 'run-end', status: this.run.status, message: `worker stopped: ${this.stopReason.message}` });
    return { status: this.run.status, stopReason: this.stopReason, run: this.run };
  }

  private emit(event: EngineEvent): void {
    this.options.onEvent?.(event);
  }
}
