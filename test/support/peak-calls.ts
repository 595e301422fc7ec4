import path from 'node:path';
import type { AgentRole } from '../../src/domain/index.js';
import { openStore } from '../../src/store/index.js';

/**
 * The most model calls of a run (of one role, if given) that were in flight at once, from the calls
 * the embedded store under `cwd/.arbor` recorded.
 */
export async function peakCallsInFlight(cwd: string, runId: string, role?: AgentRole): Promise<number> {
  const store = await openStore(path.join(cwd, '.arbor'));
  try {
    const moments = (await store.listCalls(runId))
      .filter((call) => role === undefined || call.role === role)
      .flatMap((call) => [
        { at: Date.parse(call.startedAt), change: 1 },
        { at: Date.parse(call.endedAt), change: -1 },
      ]);
    // An end and a start in the same millisecond do not overlap.
    moments.sort((a, b) => a.at - b.at || a.change - b.change);
    let inFlight = 0;
    let peak = 0;
    for (const moment of moments) peak = Math.max(peak, (inFlight += moment.change));
    return peak;
  } finally {
    await store.close();
  }
}
