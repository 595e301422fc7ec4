import { z } from 'zod';
import type { NodeEvent, TaskNode } from '../domain/index.js';
import { coveredMs, uncoveredMs, type Interval } from './time-intervals.js';

/** One stretch of time a node waited for a person: an approval, or a decision after its attempts ran out. */
export const waitingSpanSchema = z.object({
  nodeId: z.string(),
  title: z.string(),
  from: z.string(),
  /** When a person decided (or the node moved on); null while it still waits. */
  to: z.string().nullable(),
  ms: z.number().nonnegative(),
});

/** One stretch of time a node waited for a person. */
export type WaitingSpan = z.infer<typeof waitingSpanSchema>;

/** Time a run spent waiting for people. */
export const waitingForPeopleSchema = z.object({
  /** Every node's waiting time added up. */
  totalMs: z.number().nonnegative(),
  /** Time during which at least one node waited. */
  elapsedMs: z.number().nonnegative(),
  /**
   * Time during which a node waited and no call ran: the part of the wall time people held the run
   * up. (A node may wait for approval while its dependencies still run; that costs no time.)
   */
  idleMs: z.number().nonnegative(),
  /** Longest first. */
  spans: z.array(waitingSpanSchema),
});

/** Time a run spent waiting for people. */
export type WaitingForPeople = z.infer<typeof waitingForPeopleSchema>;

/** Options of {@link waitingForPeople}. */
export interface WaitingForPeopleOptions {
  events: readonly NodeEvent[];
  nodes: readonly TaskNode[];
  /** Where a wait that has not ended yet is counted up to (ISO time). */
  until: string;
  /** When calls were running (epoch ms): waiting then held nothing up. */
  busy?: readonly Interval[];
}

/**
 * The time nodes spent `awaiting_approval`, from the transition into it to the node's next
 * transition (the decision, or a cancel), read from the run's events.
 */
export function waitingForPeople(options: WaitingForPeopleOptions): WaitingForPeople {
  const titles = new Map(options.nodes.map((node) => [node.id, node.title]));
  const byNode = new Map<string, NodeEvent[]>();
  for (const event of options.events) {
    const events = byNode.get(event.nodeId) ?? [];
    events.push(event);
    byNode.set(event.nodeId, events);
  }
  const spans: WaitingSpan[] = [];
  for (const [nodeId, events] of byNode) {
    const ordered = [...events].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    ordered.forEach((event, index) => {
      if (event.to !== 'awaiting_approval' || event.from === 'awaiting_approval') return;
      const next = ordered.slice(index + 1).find((later) => later.to !== 'awaiting_approval');
      const to = next?.at ?? null;
      const ms = Math.max(0, Date.parse(to ?? options.until) - Date.parse(event.at));
      spans.push({ nodeId, title: titles.get(nodeId) ?? nodeId, from: event.at, to, ms });
    });
  }
  spans.sort((a, b) => b.ms - a.ms || a.from.localeCompare(b.from));
  const waits = spans.map((span): Interval => [Date.parse(span.from), Date.parse(span.from) + span.ms]);
  return {
    totalMs: spans.reduce((sum, span) => sum + span.ms, 0),
    elapsedMs: coveredMs(waits),
    idleMs: uncoveredMs(waits, options.busy ?? []),
    spans,
  };
}
