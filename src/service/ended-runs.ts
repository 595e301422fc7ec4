import type { Run, TaskNode } from '../domain/index.js';

/** A run and its nodes as this process holds them (its engine's, or kept by {@link EndedRuns}). */
export interface RunState {
  run: Run;
  nodes: readonly TaskNode[];
}

/**
 * Runs this process drove to completion or failure, with their nodes as its engine held them (every
 * node's last write went through it; a cancelled run's nodes are cancelled after the engine stopped,
 * so such runs are not kept), so that reading such a run (its tree, counts, approvals) needs no read
 * of every node from the store: on MongoDB that read is the slowest of the routes, and a dashboard
 * reads the runs that just ended most.
 *
 * A kept run is used only while the stored run is still the one the drive ended with (same status
 * and `updatedAt`): whoever writes a node of an ended run takes the run first and moves it out of
 * its end (`arbor resume`, with or without `--from-node`), which changes both. Bounded by the nodes
 * kept in all (oldest run forgotten first); a run larger than the bound is not kept.
 */
export class EndedRuns {
  readonly #runs = new Map<string, RunState>();
  #nodes = 0;

  constructor(private readonly maxNodes: number) {}

  /** Nodes kept now, over all runs. */
  get nodes(): number {
    return this.#nodes;
  }

  /** Keeps a run that ended (replacing what was kept of it). */
  keep(state: RunState): void {
    this.forget(state.run.id);
    if (state.nodes.length > this.maxNodes) return;
    this.#runs.set(state.run.id, state);
    this.#nodes += state.nodes.length;
    for (const [runId] of this.#runs) {
      if (this.#nodes <= this.maxNodes) break;
      this.forget(runId);
    }
  }

  /** True when something is kept of the run (it may be out of date: see {@link current}). */
  has(runId: string): boolean {
    return this.#runs.has(runId);
  }

  /** What is kept of the run, if `stored` (the run as stored now) is still as it ended; else forgets it. */
  current(stored: Run): RunState | null {
    const kept = this.#runs.get(stored.id);
    if (!kept) return null;
    if (kept.run.updatedAt !== stored.updatedAt || kept.run.status !== stored.status) {
      this.forget(stored.id);
      return null;
    }
    return { run: stored, nodes: kept.nodes };
  }

  forget(runId: string): void {
    const kept = this.#runs.get(runId);
    if (!kept) return;
    this.#runs.delete(runId);
    this.#nodes -= kept.nodes.length;
  }
}
