import { randomUUID } from 'node:crypto';
import {
  addUsage,
  emptyUsage,
  ArborError,
  BudgetExceededError,
  ConflictError,
  emptyPipeline,
  isTerminal,
  ProviderError,
  transition,
  type AgentRole,
  type Decision,
  type NodeError,
  type NodePatch,
  type NodeTransitionEvent,
  type Result,
  type Run,
  type RunStatus,
  type StopReason,
  type TaskNode,
  type Usage,
} from '../domain/index.js';
import {
  checkNode,
  executeNode,
  planNode,
  sequenceTasks,
  spentBeforeError,
  type AgentOutcome,
  type AgentRuntime,
  type AgentsConfig,
  type NoteText,
  type PromptTemplates,
} from '../agents/index.js';
import type { Model } from '../llm/model.js';
import type { Store } from '../store/index.js';
import { Budget } from './budget.js';
import { buildChildren } from './build-children.js';
import { buildNodeContext } from './build-node-context.js';
import { CallRecorder } from './call-recorder.js';
import { ConcurrencySlots } from './concurrency-slots.js';
import { CriticalPathRank } from './critical-path-rank.js';
import type { EngineEvent } from './engine-event.js';
import { rollUpResult } from './roll-up-result.js';
import { nextRole, SharedRun, type SharedRunOptions } from './shared-run.js';
import { StoreBudget } from './store-budget.js';
import { TreeState } from './tree-state.js';
import { writeArtifacts } from './write-artifacts.js';

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

const rootExecution = {
  action: 'decompose' as const,
  reason: 'the request is always planned first',
  result: null,
};

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
  private usage: Usage;
  private readonly busy = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly announced = new Map<string, number>();
  private inFlight = 0;
  private stopReason: StopReason | null = null;
  private fatal: Error | null = null;
  private settleWaiter: (() => void) | null = null;
  private runDirty = false;
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
    this.usage = options.shared ? options.run.usage : nodes.reduce((sum, node) => addUsage(sum, node.usage), emptyUsage);
    this.tree = new TreeState(nodes);
    this.budget = new Budget(options.run.limits, this.usage);
    this.slots = new ConcurrencySlots(options.run.limits.concurrency, options.agents);
    this.rank = new CriticalPathRank(this.tree);
    this.calls = new CallRecorder(options.store, options.run.id);
    this.sharing = options.shared ? this.shareRun(options.shared) : null;
    const storeBudget = options.shared ? new StoreBudget(options.store, options.run.id, options.run.limits) : null;
    this.runtime = {
      agents: options.agents,
      templates: options.templates,
      modelFor: options.modelFor,
      cacheKey: `arbor-${options.run.id}`,
      withSlot: (role, call, nodeId) => this.slots.run(role, call, this.rank.priorityOf(nodeId, role)),
      reserve: (estimate) => (storeBudget ? storeBudget.reserve(estimate) : this.budget.reserve(estimate)),
      signal: this.abort.signal,
      onCallStart: (record) => {
        this.calls.start(record);
        this.emit({ type: 'call-start', role: record.role, node: this.tree.require(record.nodeId), attempt: record.attempt });
      },
      onCallEnd: (record) => {
        this.calls.end(record);
        this.emit({
          type: 'call-end',
          role: record.role,
          node: this.tree.require(record.nodeId),
          attempt: record.attempt,
          usage: record.response?.usage ?? null,
          error: record.error,
        });
      },
      onRetry: (info) => this.emit({ type: 'call-retry', ...info, node: this.tree.require(info.nodeId) }),
    };
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
            await this.apply(node, { type: 'skip', error: dependencyError(blocker) });
          } else if (this.tree.dependenciesSettled(node)) {
            await this.apply(node, { type: 'deps-met' });
            continue;
          }
          return;
        }
        case 'ready':
          if (!this.canStartWork()) return;
          if (!(await this.claimed(node, (ready) => this.work(ready)))) return;
          continue;
        case 'checking':
          if (!this.canStartWork()) return;
          if (!(await this.claimed(node, (checking) => this.check(checking)))) return;
          continue;
        case 'awaiting_approval':
          if (await this.applyDecision(node)) continue;
          return;
        case 'decomposed':
          await this.rollUp(node);
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

  // ---- the pipeline -------------------------------------------------------------------------------

  private async work(ready: TaskNode): Promise<void> {
    let node = await this.apply(
      ready,
      {
        type: 'start',
        lease: this.sharing?.newLease() ?? { owner: this.options.owner, token: randomUUID(), expiresAt: new Date(Date.now() + 3_600_000).toISOString() },
      },
      this.sharing ? { worker: this.sharing.workerId } : {},
    );
    this.sharing?.renew(node);
    try {
      node = await this.ensureExecution(node);
      const execution = node.pipeline.execution;
      if (execution === null) return;
      if (execution.action === 'complete') {
        await this.apply(node, { type: 'submit' }, { result: execution.result });
        return;
      }
      await this.decompose(node);
    } catch (error) {
      await this.onWorkError(this.tree.require(node.id), error);
    }
  }

  private async ensureExecution(node: TaskNode): Promise<TaskNode> {
    if (node.pipeline.execution !== null) return node;
    if (node.parentId === null) return this.save(node, { pipeline: { ...node.pipeline, execution: rootExecution } });
    const guidance = node.approval?.decision?.action === 'retry' ? node.approval.decision.comment : null;
    const outcome = await executeNode(this.runtime, this.context(node), {
      canDecompose: node.depth < this.run.limits.maxDepth,
      guidance,
    });
    return this.record(node, 'executor', outcome, (answer) => ({ pipeline: { ...node.pipeline, execution: answer } }));
  }

  private async decompose(start: TaskNode): Promise<void> {
    let node = start;
    const { maxNodes } = this.run.limits;
    if (node.pipeline.plan === null && (await this.handsOff(node, 'planner'))) return;
    if (node.pipeline.plan === null) {
      if (this.tree.size >= maxNodes) throw nodesExceeded(maxNodes);
      const outcome = await planNode(this.runtime, this.context(node));
      node = await this.record(node, 'planner', outcome, (plan) => ({ pipeline: { ...node.pipeline, plan } }));
      if (node.status !== 'running') return;
    }
    const plan = node.pipeline.plan!;
    if (node.pipeline.sequence === null && (await this.handsOff(node, 'sequencer'))) return;
    if (node.pipeline.sequence === null) {
      const outcome = await sequenceTasks(this.runtime, this.context(node), plan.tasks);
      if (outcome.fallbackReason !== null) this.emit({ type: 'sequence-fallback', node, reason: outcome.fallbackReason });
      node = await this.record(node, 'sequencer', { ...outcome, success: true }, (sequence) => ({
        pipeline: { ...node.pipeline, sequence },
      }));
    }
    // Children a crash left inserted (before the parent was marked decomposed) are not counted twice.
    if (this.tree.size - this.tree.childrenOf(node.id).length + plan.tasks.length > maxNodes) throw nodesExceeded(maxNodes);
    const children = buildChildren({
      parent: node,
      plan,
      sequence: node.pipeline.sequence!,
      policies: this.options.agents.approvalPolicies,
      at: now(),
      actor: this.options.owner,
    });
    await this.options.store.insertNodes(children.nodes, children.events);
    this.tree.add(children.nodes);
    // The run document's node count is a progress figure: the periodic flush stores it, rather than
    // one more write of the run per decomposed node (the nodes themselves are already stored).
    this.runDirty = true;
    for (const [index, child] of children.nodes.entries())
      this.emit({ type: 'node-create', node: child, event: children.events[index]! });
    // The children now hold the plan; keeping it on the parent too would double the tree's size.
    await this.apply(node, { type: 'decompose' }, { pipeline: { ...emptyPipeline, execution: node.pipeline.execution } });
    for (const child of children.nodes) this.kick(child.id);
  }

  private async check(unclaimed: TaskNode): Promise<void> {
    const node = this.sharing ? await this.claimCheck(unclaimed) : unclaimed;
    try {
      const outcome = await checkNode(this.runtime, this.context(node));
      const spent = this.spend(node, 'checker', outcome);
      if (!outcome.success) {
        await this.apply(node, { type: 'fail', error: { kind: 'model', message: outcome.error.message } }, spent);
        return;
      }
      const verdict = outcome.value;
      const history: NodePatch = {
        ...spent,
        check: verdict,
        checks: [...node.checks, { ...verdict, attempt: node.attempts, at: now() }],
      };
      if (verdict.verdict === 'pass') {
        const written = await writeArtifacts(this.options.outDir, node.result?.artifacts ?? []);
        if (!written.success) {
          await this.apply(node, { type: 'fail', error: { kind: 'internal', message: written.error } }, history);
          return;
        }
        await this.apply(node, { type: 'pass' }, history);
      } else if (node.attempts < this.run.limits.maxAttempts) {
        await this.apply(node, { type: 'retry', feedback: verdict.feedback }, { ...history, pipeline: { ...emptyPipeline } });
      } else {
        const reason = `the checker failed it ${node.attempts} times; last feedback: ${verdict.feedback}`;
        await this.apply(node, { type: 'request-approval', kind: 'escalation', reason }, {
          ...history,
          pipeline: { ...emptyPipeline },
        });
      }
    } catch (error) {
      await this.onWorkError(this.tree.require(node.id), error);
    }
  }

  private async rollUp(node: TaskNode): Promise<void> {
    const children = this.tree.childrenOf(node.id);
    if (children.length === 0 || !children.every((child) => isTerminal(child.status))) return;
    const failed = children.find((child) => child.status === 'failed' || child.status === 'cancelled');
    if (failed) {
      await this.apply(node, {
        type: 'fail',
        error: { kind: 'dependency', message: `subtask ${failed.id} "${failed.title}" ${failed.status}` },
      });
    } else {
      await this.apply(node, { type: 'roll-up' }, { result: rollUpResult(children) });
    }
  }

  // ---- approvals ----------------------------------------------------------------------------------

  /** Applies a recorded decision; otherwise makes sure a person has been asked. True when it moved. */
  private async applyDecision(node: TaskNode): Promise<boolean> {
    const approval = node.approval!;
    const pending = (await this.options.store.pendingDecisions(this.run.id)).find((entry) => entry.nodeId === node.id);
    if (pending) {
      const decision = pending.decision;
      const depsMet = this.tree.dependenciesSettled(node);
      await this.apply(node, { type: 'decide', decision, depsMet }, decision.action === 'retry' ? { result: null } : {});
      return true;
    }
    if (this.announced.get(node.id) !== approval.round) {
      this.announced.set(node.id, approval.round);
      this.emit({ type: 'approval-request', node });
    }
    return false;
  }

  /** Applies decisions other processes recorded; returns how many it found. */
  private async pollDecisions(): Promise<number> {
    if (this.tree.count('awaiting_approval') === 0) return 0;
    try {
      const decisions = await this.options.store.pendingDecisions(this.run.id);
      for (const { nodeId } of decisions) this.kick(nodeId);
      return decisions.length;
    } catch (error) {
      this.fatal ??= asError(error);
      this.wake();
      return 0;
    }
  }

  private waitsForPeople(): boolean {
    return this.tree.count('awaiting_approval') > 0;
  }

  // ---- writes -------------------------------------------------------------------------------------

  /** Applies a legal transition and stores it with its event. */
  private async apply(node: TaskNode, event: NodeTransitionEvent, extra: NodePatch = {}): Promise<TaskNode> {
    const moved = transition(node, event, { at: now(), actor: this.options.owner });
    if (!moved.success) throw new ArborError(`internal: ${moved.error}`, { runId: this.run.id, nodeId: node.id });
    const stored = await this.options.store.updateNode({
      runId: this.run.id,
      nodeId: node.id,
      expectedVersion: node.version,
      patch: { ...extra, ...moved.value.patch },
      event: moved.value.event,
    });
    this.tree.put(stored);
    this.emit({ type: 'node-transition', node: stored, event: moved.value.event });
    this.afterChange(stored);
    return stored;
  }

  /** Stores fields without a status change (an answer, usage). */
  private async save(node: TaskNode, patch: NodePatch): Promise<TaskNode> {
    const stored = await this.options.store.updateNode({
      runId: this.run.id,
      nodeId: node.id,
      expectedVersion: node.version,
      patch: { ...patch, version: node.version + 1, updatedAt: now() },
    });
    this.tree.put(stored);
    return stored;
  }

  /** Stores an agent's answer with what it cost, or fails the node when there is no valid answer. */
  private async record<R extends AgentRole, A>(
    node: TaskNode,
    role: R,
    outcome: AgentOutcome<R> | ({ success: true; value: A; calls: number; usage: Usage }),
    patchFor: (answer: A) => NodePatch,
  ): Promise<TaskNode> {
    const spent = this.spend(node, role, outcome);
    if (!outcome.success)
      return this.apply(node, { type: 'fail', error: { kind: 'model', message: outcome.error.message } }, spent);
    return this.save(node, { ...spent, ...patchFor(outcome.value as A) });
  }

  private spend(node: TaskNode, role: AgentRole, outcome: { calls: number; usage: Usage }): NodePatch {
    this.usage = addUsage(this.usage, outcome.usage);
    this.runDirty = true;
    return {
      calls: { ...node.calls, [role]: node.calls[role] + outcome.calls },
      usage: addUsage(node.usage, outcome.usage),
    };
  }

  private async updateRun(patch: Parameters<Store['updateRun']>[1]): Promise<void> {
    this.run = await this.options.store.updateRun(this.run.id, {
      nodeCount: this.tree.size,
      ...patch,
      // Workers of a shared run add their usage to the stored run as they settle each call.
      ...(this.sharing ? {} : { usage: this.usage }),
      updatedAt: now(),
    });
    this.runDirty = false;
  }

  private async flushRun(): Promise<void> {
    if (!this.runDirty || this.fatal) return;
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
    const paid: NodePatch = spent ? this.spend(node, spent.role, spent) : {};
    const keepPaid = async () => {
      if (spent) await this.save(node, paid);
    };
    if (error instanceof BudgetExceededError) {
      if (this.stopReason === null) {
        this.stopReason = { kind: 'budget', budget: error.budget, message: error.message };
        this.emit({ type: 'budget-stop', budget: error.budget, message: error.message });
      }
      if (node.status === 'running') await this.apply(node, { type: 'pause', reason: error.message }, paid);
      else await keepPaid();
      return;
    }
    if (this.abort.signal.aborted) {
      if (node.status === 'running') await this.apply(node, { type: 'pause', reason: 'run cancelled' }, paid);
      else await keepPaid();
      return;
    }
    if (error instanceof ProviderError || (error instanceof ArborError && !(error.name === 'StoreError' || error.name === 'ConflictError'))) {
      const nodeError: NodeError = {
        kind: error instanceof ProviderError ? 'provider' : 'internal',
        message: error.message,
      };
      if (node.status === 'running' || node.status === 'checking') await this.apply(node, { type: 'fail', error: nodeError }, paid);
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
    const root = this.tree.require(this.run.rootId);
    let status: RunStatus;
    let stopReason: StopReason | null = this.stopReason;
    if (root.status === 'completed') {
      status = 'completed';
      stopReason = null;
    } else if (stopReason?.kind === 'cancelled') {
      status = 'cancelled';
    } else if (root.status === 'failed' || stopReason !== null) {
      status = 'failed';
      stopReason ??= { kind: 'failure', message: root.error?.message ?? 'the root task failed' };
    } else if (this.waitsForPeople()) {
      status = 'awaiting_approval';
    } else {
      status = 'failed';
      stopReason = { kind: 'failure', message: 'internal: the run has nothing left to do but is not finished' };
    }
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

  /** Nodes that were in flight when a previous process stopped go back to `ready`; failed branches reopen on request. */
  private async recover(): Promise<void> {
    // Other workers' nodes in flight are theirs while their leases last.
    if (this.sharing) return this.sharing.reclaimExpired();
    for (const node of [...this.tree.values()]) {
      if (node.status === 'running') await this.apply(node, { type: 'pause', reason: 'recovered: it was in flight when the run stopped' });
    }
    if (!this.options.reopenFailed) return;
    const reopenable = [...this.tree.values()].filter(
      (node) =>
        node.status === 'failed' ||
        node.status === 'cancelled' ||
        (node.status === 'skipped' && node.error?.kind === 'dependency'),
    );
    // Deepest first, so children are open again before their parent looks at them.
    reopenable.sort((a, b) => b.depth - a.depth);
    for (const node of reopenable) {
      const hasChildren = this.tree.childrenOf(node.id).length > 0;
      const to = hasChildren ? 'decomposed' : node.status === 'skipped' || !this.tree.dependenciesSettled(node) ? 'pending' : 'ready';
      await this.apply(this.tree.require(node.id), { type: 'reopen', to }, hasChildren ? {} : { pipeline: { ...emptyPipeline } });
    }
  }

  // ---- shared runs (workers) ---------------------------------------------------------------------

  private shareRun(options: SharedRunOptions): SharedRun {
    return new SharedRun(options, {
      store: this.options.store,
      runId: this.options.run.id,
      tree: this.tree,
      capacity: this.options.run.limits.concurrency,
      changed: (node) => {
        this.runDirty = true;
        this.kick(node.id);
        this.afterChange(node);
      },
      kick: (nodeId) => this.kick(nodeId),
      priorityOf: (node) => this.rank.priorityOf(node.id, nextRole(node) ?? 'executor'),
      reclaim: (node) => this.reclaim(node),
      runRead: (run) => this.onSharedRunRead(run),
      failed: (error) => {
        this.fatal ??= asError(error);
        this.wake();
      },
    });
  }

  /** Runs one step of a node; in a shared run only once this worker may claim it, letting go after. */
  private async claimed(node: TaskNode, step: (node: TaskNode) => Promise<void>): Promise<boolean> {
    const sharing = this.sharing;
    if (!sharing) {
      await step(node);
      return true;
    }
    if (!sharing.tryClaim(node)) return false;
    try {
      await step(node);
    } finally {
      sharing.release(node.id);
      // A check this worker claimed but did not finish (stopped, store trouble) goes back to the others.
      const after = this.tree.get(node.id);
      if (after?.status === 'checking' && after.lease?.owner === sharing.workerId)
        await this.save(after, { lease: null }).catch(() => undefined);
    }
    return true;
  }

  /** Claims a check: a conditional write of this worker's lease, so no two workers check one node. */
  private async claimCheck(node: TaskNode): Promise<TaskNode> {
    const claimed = await this.save(node, { lease: this.sharing!.newLease(), worker: this.sharing!.workerId });
    this.sharing!.renew(claimed);
    return claimed;
  }

  /** True when a shared run's node needs an agent this worker does not run: it goes back to ready, answers kept. */
  private async handsOff(node: TaskNode, role: AgentRole): Promise<boolean> {
    if (!this.sharing || this.sharing.serves(role)) return false;
    await this.apply(node, { type: 'pause', reason: `waiting for a worker that runs the ${role}` });
    return true;
  }

  /** Takes a node back from a worker whose lease expired; its late writes then fail (fencing). */
  private async reclaim(node: TaskNode): Promise<void> {
    const reason = `reclaimed: the lease of ${node.lease?.owner ?? 'its worker'} expired`;
    if (node.status === 'running') await this.apply(node, { type: 'pause', reason });
    else await this.save(node, { lease: null });
    this.kick(node.id);
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

  private context(node: TaskNode) {
    return buildNodeContext({ run: this.run, node, tree: this.tree, notes: this.options.notes });
  }

  private emit(event: EngineEvent): void {
    this.options.onEvent?.(event);
  }
}

function dependencyError(blocker: TaskNode): NodeError {
  return { kind: 'dependency', message: `dependency ${blocker.id} "${blocker.title}" ${blocker.status}` };
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function nodesExceeded(maxNodes: number): BudgetExceededError {
  return new BudgetExceededError('maxNodes', `the run reached its limit of ${maxNodes} nodes`, {
    hint: 'resume with a higher limit, e.g. arbor resume RUN --max-nodes N',
  });
}

function now(): string {
  return new Date().toISOString();
}
