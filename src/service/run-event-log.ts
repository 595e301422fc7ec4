import type { NodeEvent } from '../domain/index.js';
import type { Store } from '../store/index.js';

/** A stored event and its place in the run's order. */
export interface SequencedEvent {
  seq: number;
  event: NodeEvent;
}

/**
 * How long after its time an event of a MongoDB run may still turn up among earlier ones: the
 * store lists events by time, and writes of several nodes land in any order within a moment (and
 * several workers' clocks differ a little). Events younger than this are held back, so the order
 * the service numbers never changes under a client.
 */
export const mongoSettleMs = 1_000;

/**
 * The run's stored events after the first `after`, in the store's order: `seq` N is the N-th event. Only a settled
 * prefix is numbered (`unsettled` says how many are held back: those of the last {@link mongoSettleMs},
 * and on MongoDB those no older than a write of this process still on its way; the embedded store's journal only ever appends, so
 * all of it is settled), which makes a `seq` mean the same event to every client and every request,
 * and makes "everything after my last seq" exact: no gap, no duplicate.
 */
export async function settledEvents(
  store: Store,
  runId: string,
  options: { after?: number; now?: number } = {},
): Promise<{ events: NodeEvent[]; unsettled: number }> {
  const after = options.after ?? 0;
  // Read before the listing: a write of this process still on its way holds back what is newer.
  const writing = store.eventsWrittenUntil(runId);
  const events = await store.listEventsAfter(runId, after);
  if (store.kind === 'embedded') return { events, unsettled: 0 };
  const now = options.now ?? Date.now();
  const settled = new Date(now - mongoSettleMs).toISOString();
  let end = 0;
  while (end < events.length && events[end]!.at <= settled && (writing === null || events[end]!.at < writing)) end++;
  return { events: end === events.length ? events : events.slice(0, end), unsettled: events.length - end };
}

/** Numbers events that follow seq `after`: the first gets `after + 1`. */
export function numbered(events: readonly NodeEvent[], after: number): SequencedEvent[] {
  return events.map((event, index) => ({ seq: after + index + 1, event }));
}
