import type { NodeEvent } from '../domain/index.js';
import type { PendingEventSeqs, Store } from '../store/index.js';
import { RequestError } from './request-error.js';

/** A stored event and its place in the run's order. */
export interface SequencedEvent {
  seq: number;
  event: NodeEvent;
}

/**
 * How long a gap in a run's seqs is waited for (ms): a seq missing below a listed event whose `at`
 * is older than this is taken for one that will never be stored (its write was refused, or its
 * writer died holding it) and skipped. Only MongoDB has gaps (the embedded journal's seqs are
 * dense); a gap whose seq this process is still writing is waited for however long it takes.
 */
export const mongoSettleMs = 5_000;

/** Options of {@link settledEvents}. */
export interface SettledEventsOptions {
  after?: number;
  /** At most this many events. */
  limit?: number;
  /** Also read the events on the run's nodes (see `Store.listEventsAfter`): a run that just ended. */
  onNodes?: boolean;
  /** The time now (ms), for tests. */
  now?: number;
  /** How old a gap is skipped (default {@link mongoSettleMs}). */
  settleMs?: number;
}

/**
 * The run's events after seq `after` that every reader agrees on, in seq order: a prefix of the
 * store's seq order that stops before the first seq that may still be stored (`unsettled`: some are
 * held back). Past a seq the store will never fill it goes on: one this process abandoned (a refused
 * write) at once, any other once the event after it is {@link mongoSettleMs} old — after looking for
 * it on the run's nodes, where a writer that died leaves its last events. So a client that asks
 * again after the last seq it got gets every event once, with no gap and no duplicate.
 */
export async function settledEvents(
  store: Store,
  runId: string,
  options: SettledEventsOptions = {},
): Promise<{ events: SequencedEvent[]; unsettled: boolean }> {
  const after = options.after ?? 0;
  const settled = (options.now ?? Date.now()) - (options.settleMs ?? mongoSettleMs);
  // Read before the listing: a seq on its way then is either listed or waited for.
  const pending = store.eventSeqsPending(runId);
  const list = (onNodes: boolean) =>
    store.listEventsAfter(runId, after, { ...(options.limit === undefined ? {} : { limit: options.limit }), onNodes });
  let walked = walkSeqs(await list(options.onNodes ?? false), after, pending, settled);
  // Before passing an old gap for good, look for its events where a writer that died left them.
  if (walked.skippedOld && !options.onNodes) walked = walkSeqs(await list(true), after, pending, settled);
  return { events: walked.events, unsettled: walked.unsettled };
}

/**
 * Refuses (400, `query.after`) a seq that no event of the run has. A client holds only seqs it was
 * given, and the run's next events come below a made-up one, so it would wait for ever. Looks on the
 * run's nodes too before refusing (MongoDB: where a writer that died left its last events).
 */
export async function refuseUnknownAfter(store: Store, runId: string, after: number): Promise<void> {
  if (after === 0) return;
  const reaches = async (onNodes: boolean) =>
    (await store.listEventsAfter(runId, after - 1, { limit: 1, onNodes })).some((event) => (event.seq ?? 0) >= after);
  if ((await reaches(false)) || (await reaches(true))) return;
  throw new RequestError(`query.after: run ${runId} has no event with seq ${after}`, {
    status: 400,
    title: 'invalid-field',
    field: 'query.after',
    hint: 'ask after the seq of an event this run gave you (`last` of the previous page), or leave `after` out for all of them',
  });
}

/** The settled prefix of `events` (seq order) after `after`; whether it passed an old gap. */
function walkSeqs(
  events: readonly NodeEvent[],
  after: number,
  pending: PendingEventSeqs,
  settledBefore: number,
): { events: SequencedEvent[]; unsettled: boolean; skippedOld: boolean } {
  const out: SequencedEvent[] = [];
  let expected = after + 1;
  let skippedOld = false;
  const writing = (below: number) => pending.writing !== null && pending.writing >= expected && pending.writing < below;
  for (const event of events) {
    const seq = event.seq;
    if (seq === undefined || seq < expected) continue;
    while (expected < seq && pending.abandoned.has(expected)) expected++;
    if (expected < seq) {
      if (writing(seq) || Date.parse(event.at) > settledBefore) return { events: out, unsettled: true, skippedOld };
      skippedOld = true;
    }
    out.push({ seq, event });
    expected = seq + 1;
  }
  return { events: out, unsettled: writing(Infinity), skippedOld };
}
