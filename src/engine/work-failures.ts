import {
  ArborError,
  BudgetExceededError,
  ConflictError,
  ProviderError,
  RunTakenOverError,
  StoreError,
  type NodeError,
  type NodePatch,
  type TaskNode,
} from '../domain/index.js';
import { spentBeforeError } from '../agents/index.js';
import { now } from './engine-support.js';
import type { NodeWriter } from './node-writer.js';
import type { RunControl } from './run-control.js';

/** What {@link WorkFailures} needs from the engine that drives the run. */
export interface WorkFailuresHost {
  control: RunControl;
  writer: NodeWriter;
  /** Aborts the calls in flight: on a cancel (after its grace) or a failure of the whole run. */
  abort: AbortController;
  /** In a shared run, how a conflict is resolved: read the node again (null alone on a run). */
  refetch: ((nodeId: string) => Promise<void>) | null;
}

/**
 * Where failures go: those of one node's work (a budget stop, a cancel, a provider fault) settle
 * that node and the run goes on; a store failure or a bug stops the whole run, which stays
 * resumable from what was stored.
 */
export class WorkFailures {
  constructor(private readonly host: WorkFailuresHost) {}

  /** A failure while a node was worked on: pause or fail the node, keeping what it already paid for. */
  async onWorkError(node: TaskNode, error: unknown): Promise<void> {
    const { control, writer, abort } = this.host;
    // Answers billed before the failing call (e.g. an invalid one that was re-asked) still count.
    const spent = spentBeforeError(error);
    const paid: NodePatch = spent ? writer.spend(node, spent.role, spent) : {};
    const keepPaid = async () => {
      if (spent) await writer.save(node, paid);
    };
    if (error instanceof BudgetExceededError) {
      if (control.stop({ kind: 'budget', budget: error.budget, message: error.message }))
        control.emit({ type: 'budget-stop', budget: error.budget, message: error.message });
      if (node.status === 'running') await writer.apply(node, { type: 'pause', reason: error.message }, paid);
      else await keepPaid();
      return;
    }
    if (abort.signal.aborted) {
      if (node.status === 'running')
        await writer.apply(node, { type: 'pause', reason: 'run cancelled' }, paid);
      else await keepPaid();
      return;
    }
    if (error instanceof ProviderError || (error instanceof ArborError && !(error instanceof StoreError))) {
      const nodeError: NodeError = {
        kind: error instanceof ProviderError ? 'provider' : 'internal',
        message: error.message,
      };
      if (node.status === 'running' || node.status === 'checking')
        await writer.apply(node, { type: 'fail', error: nodeError }, paid);
      else await keepPaid();
      return;
    }
    throw error;
  }

  /** What escaped a node's advance: a conflict in a shared run is read again, anything else stops the run. */
  onAdvanceError(nodeId: string, error: unknown): void | Promise<void> {
    const { refetch } = this.host;
    // In a shared run, a conflict means another worker moved the node: read it again and go on.
    if (refetch && error instanceof ConflictError) return refetch(nodeId);
    // Store failures and bugs stop the whole run; it stays resumable from what was stored.
    this.stopRun(error, `node ${nodeId}: ${(error as Error).message}`);
  }

  /**
   * Stops the whole run at once: no new work, the calls in flight abandoned, and the drive throws
   * `error` once the advances under way settle.
   */
  stopRun(error: unknown, message: string): void {
    const { control, abort } = this.host;
    control.fail(error);
    control.stop({ kind: 'failure', message });
    abort.abort(error);
  }

  /** Best effort: a run that stopped on a store failure or a bug says so, if the store still answers. */
  async markFailed(error: unknown): Promise<void> {
    const { control } = this.host;
    // A worker that fails leaves a shared run to the others; a run taken over is the new holder's.
    if (control.shared || error instanceof RunTakenOverError) return;
    const message = (error as Error).message;
    try {
      await control.updateRun({
        status: 'failed',
        stopReason: control.stopReason ?? { kind: 'failure', message },
        endedAt: now(),
      });
    } catch {
      // The store is what failed; the stored state is still the truth to resume from.
    }
  }
}
