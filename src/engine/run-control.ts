import { isTerminal, type Run, type RunPatch, type StopReason, type TaskNode } from '../domain/index.js';
import type { Store } from '../store/index.js';
import type { EngineEvent } from './engine-event.js';
import { asError, now } from './engine-support.js';
import type { RunTotals } from './node-writer.js';
import type { TreeState } from './tree-state.js';

/** Options of {@link RunControl}. */
export interface RunControlOptions {
  store: Store;
  run: Run;
  tree: TreeState;
  totals: RunTotals;
  /** A worker of a shared run: its usage reaches the stored run call by call, not from these totals. */
  shared: boolean;
  onEvent?: (event: EngineEvent) => void;
}

/**
 * The run-level state one drive shares with the parts that can stop it or end it: the run document
 * and its writes, why the run stops (a stop reason, a fatal error), and the waiter the drive loop
 * sleeps on until node advances settle or something changes.
 */
export class RunControl {
  readonly shared: boolean;
  #run: Run;
  #stopReason: StopReason | null = null;
  #fatal: Error | null = null;
  #inFlight = 0;
  /** This drive stored the run as waiting for people, and no work began since (see {@link markWaiting}). */
  #waiting = false;
  /** The last write of the run document: each one waits for the one before, so they land in order. */
  #runWrites: Promise<void> = Promise.resolve();
  private waiter: (() => void) | null = null;

  constructor(private readonly options: RunControlOptions) {
    this.#run = options.run;
    this.shared = options.shared;
  }

  /** The run document as last written or read. */
  get run(): Run {
    return this.#run;
  }

  /** Why the run stops starting new work (budget, cancel, failure); the first reason wins. */
  get stopReason(): StopReason | null {
    return this.#stopReason;
  }

  /** A store failure or a bug: the drive throws it once advances settle. */
  get fatal(): Error | null {
    return this.#fatal;
  }

  /** Node advances under way; the drive is settled when none are. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Stops the run starting new work, unless it already stops for another reason; true if this one is it. */
  stop(reason: StopReason): boolean {
    if (this.#stopReason !== null) return false;
    this.#stopReason = reason;
    return true;
  }

  /** Counts a node advance that begins; {@link advanceEnded} when it ends. */
  advanceBegan(): void {
    this.#inFlight++;
    // Work goes on after a wait for people (a decision was applied): the run is running again.
    if (this.#waiting) {
      this.#waiting = false;
      void this.writeStatus('running', []);
    }
  }

  /**
   * Stores the run as waiting for people, while nothing is in flight and only `waiting`'s decisions
   * can move it on (a `run-status` event); once per wait: the next advance stores it running again.
   */
  async markWaiting(waiting: readonly TaskNode[]): Promise<void> {
    if (this.#waiting) return;
    this.#waiting = true;
    await this.writeStatus('awaiting_approval', waiting);
  }

  private async writeStatus(
    status: 'awaiting_approval' | 'running',
    waiting: readonly TaskNode[],
  ): Promise<void> {
    try {
      await this.updateRun({ status });
      this.emit({ type: 'run-status', status, waiting, at: this.#run.updatedAt });
    } catch (error) {
      this.fail(error);
    }
  }

  /** Counts a node advance that ended and wakes the drive loop. */
  advanceEnded(): void {
    this.#inFlight--;
    this.wake();
  }

  /** The status and usage of the run as another worker of a shared run stored them. */
  adoptStored(run: Pick<Run, 'status' | 'usage'>): void {
    this.#run = { ...this.#run, status: run.status, usage: run.usage };
  }

  /** Passes an event to the caller's listener. */
  emit(event: EngineEvent): void {
    this.options.onEvent?.(event);
  }

  /** Wakes the drive loop, if it sleeps. */
  wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }

  /** Sleeps until the next {@link wake}. */
  woken(): Promise<void> {
    return new Promise<void>((resolve) => (this.waiter = resolve));
  }

  /** Resolves once no node advance is under way. */
  async settled(): Promise<void> {
    while (this.#inFlight > 0) await this.woken();
  }

  /** Stops the run on a store failure or a bug (the first error is kept) and wakes the drive to throw it. */
  fail(error: unknown): void {
    this.#fatal ??= asError(error);
    this.wake();
  }

  /** True while nothing stops the run from starting new work. */
  canStartWork(): boolean {
    return this.#stopReason === null && this.#fatal === null;
  }

  /** True once the root is settled for good. */
  isFinished(): boolean {
    return isTerminal(this.options.tree.require(this.#run.rootId).status);
  }

  /** Writes the run document with the node count and (alone on a run) the usage this process counted. */
  updateRun(patch: RunPatch): Promise<void> {
    // In order: a status written after a wait must not be overtaken by the write before it.
    const write = this.#runWrites.then(() => this.writeRun(patch));
    this.#runWrites = write.catch(() => {});
    return write;
  }

  private async writeRun(patch: RunPatch): Promise<void> {
    const { store, tree, totals } = this.options;
    this.#run = await store.updateRun(this.#run.id, {
      nodeCount: tree.size,
      ...patch,
      // Workers of a shared run add their usage to the stored run as they settle each call.
      ...(this.shared ? {} : { usage: totals.usage }),
      updatedAt: now(),
    });
    totals.dirty = false;
  }
}
