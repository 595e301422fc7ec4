import { performance } from 'node:perf_hooks';
// From node:timers, not the global: a program that fakes the global timers in its tests (vitest,
// sinon) would otherwise hold every answer after a slice's first until it advanced its clock.
import { setImmediate } from 'node:timers';

/** How long answers may be handled back to back before the event loop gets to its I/O (ms). */
export const answerSliceMs = 10;

/** When the current slice began (ms, by the clock `fairTurn` was given), or -1 between slices. */
let sliceStart = -1;

const nextCheckPhase = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Null when the model answer just received may be handled now; otherwise a promise that resolves
 * when it may. Answers that arrive together (many calls of the same latency ending at once, as in
 * the service benchmark) would otherwise be handled in one stretch of the event loop, and a request
 * to `arbor serve` that came meanwhile would wait for all of them.
 *
 * The first answer of a slice goes on at once; the ones after it wait for the event loop's check
 * phase, after its I/O, and go on there one by one, in order, each with its microtasks, until the
 * slice has lasted {@link answerSliceMs}; the rest wait for the next turn's I/O and slice. An
 * answer alone waits for nothing.
 */
export function fairTurn(now: () => number = () => performance.now()): Promise<void> | null {
  if (sliceStart < 0) {
    startSlice(now());
    return null;
  }
  return nextCheckPhase().then(() => goOnOrWait(now));
}

function startSlice(at: number): void {
  sliceStart = at;
  // Queued before any answer that waits in this slice, so it ends the slice before they go on.
  setImmediate(() => (sliceStart = -1));
}

/** In the check phase: go on if the slice has room (or a new one begins), else wait a turn. */
function goOnOrWait(now: () => number): Promise<void> | undefined {
  const at = now();
  if (sliceStart < 0) startSlice(at);
  else if (at - sliceStart >= answerSliceMs) return nextCheckPhase().then(() => goOnOrWait(now));
  return undefined;
}
