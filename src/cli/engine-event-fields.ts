import type { EngineEvent } from '../engine/index.js';

/** The fields of an engine event worth logging or printing as JSON: ids and changes, not whole nodes. */
export function engineEventFields(event: EngineEvent): Record<string, unknown> {
  switch (event.type) {
    case 'node-create':
    case 'node-transition':
      return { ...event.event, title: event.node.title };
    case 'call-start':
    case 'call-end':
    case 'call-retry':
      return { nodeId: event.node.id, role: event.role, attempt: event.attempt, ...('usage' in event ? { usage: event.usage, error: event.error } : {}), ...('delayMs' in event ? { delayMs: event.delayMs, reason: event.reason } : {}) };
    case 'sequence-fallback':
    case 'approval-request':
      return { nodeId: event.node.id, title: event.node.title, ...('reason' in event ? { reason: event.reason } : { reason: event.node.approval?.reason ?? null }) };
    default:
      return { ...event };
  }
}

/** One JSON line per engine event for `--json`: `{ at, event, …fields }` (`type` is the transition of node events). */
export function engineEventJson(event: EngineEvent, at = new Date().toISOString()): string {
  return JSON.stringify({ at, event: event.type, ...engineEventFields(event) });
}
