import type { Run, RunStatus, StopReason, TaskNode } from '../domain/index.js';

/** How a drive of the run ended. */
export interface RunOutcome {
  status: RunStatus;
  stopReason: StopReason | null;
  run: Run;
}

/**
 * How a drive of the run ends, from its root and why it stopped: completed with the root; cancelled
 * or failed when stopped; awaiting approval when only people can move it on. A root that failed
 * because a run limit stopped a node under it ends the run as stopped by that limit.
 */
export function runEndStatus(options: {
  root: Pick<TaskNode, 'status' | 'error'>;
  stopReason: StopReason | null;
  waitsForPeople: boolean;
}): { status: RunStatus; stopReason: StopReason | null } {
  const { root, stopReason, waitsForPeople } = options;
  if (root.status === 'completed') return { status: 'completed', stopReason: null };
  if (stopReason?.kind === 'cancelled') return { status: 'cancelled', stopReason };
  if (stopReason !== null) return { status: 'failed', stopReason };
  if (root.status === 'failed') {
    const message = root.error?.message ?? 'the root task failed';
    const limit = root.error?.limit;
    return {
      status: 'failed',
      stopReason: limit ? { kind: 'budget', budget: limit.budget, message } : { kind: 'failure', message },
    };
  }
  if (waitsForPeople) return { status: 'awaiting_approval', stopReason: null };
  return {
    status: 'failed',
    stopReason: { kind: 'failure', message: 'internal: the run has nothing left to do but is not finished' },
  };
}
