import { styleText } from 'node:util';
import type { EngineEvent } from '../engine/index.js';
import { statusColors } from './tree-view.js';

type Color = Parameters<typeof styleText>[0];

/** Options of {@link formatEngineEvent}. */
export interface FormatOptions {
  color: boolean;
  verbose: boolean;
}

/**
 * One line per engine event, or null for events not worth a line (model calls unless verbose).
 * Plain text when `color` is off, so pipes and CI logs get no control codes.
 */
export function formatEngineEvent(event: EngineEvent, options: FormatOptions): string | null {
  const paint = (color: Color, text: string) => (options.color ? styleText(color, text) : text);
  const time = new Date().toISOString().slice(11, 19);
  switch (event.type) {
    case 'node-create':
    case 'node-transition': {
      const { node } = event;
      const from = event.event.from ? `${event.event.from} → ` : 'new → ';
      // The event's own status: one write may carry several (pending → ready → running).
      const status = paint(statusColors[event.event.to], event.event.to);
      const reason = event.event.reason ? `  (${event.event.reason})` : '';
      return `${time}  ${node.id.padEnd(8)} ${from}${status}  ${node.title}${reason}`;
    }
    case 'call-start':
      return options.verbose
        ? `${time}  ${event.node.id.padEnd(8)} ${event.role} call #${event.attempt}`
        : null;
    case 'call-end':
      if (!options.verbose) return null;
      return `${time}  ${event.node.id.padEnd(8)} ${event.role} answered #${event.attempt}${event.error ? `: ${event.error}` : ''}`;
    case 'call-retry':
      return `${time}  ${event.node.id.padEnd(8)} ${paint('yellow', 'retry')} ${event.role} in ${event.delayMs} ms: ${event.reason}`;
    case 'sequence-fallback':
      return `${time}  ${event.node.id.padEnd(8)} ${paint('yellow', 'sequencer answer invalid twice; ordering by dependencies')}: ${event.reason}`;
    case 'approval-request':
      return `${time}  ${event.node.id.padEnd(8)} ${paint('yellow', 'needs a decision')}: ${event.node.title} — ${event.node.approval?.reason ?? ''}`;
    case 'budget-stop':
      return `${time}  ${paint('red', 'budget reached')}: ${event.message}; no new work starts`;
    case 'run-status':
      return event.status === 'running'
        ? `${time}  run ${paint('green', 'running')} again`
        : `${time}  run ${paint('yellow', 'awaiting_approval')}: waiting for a decision on ${event.waiting.map((node) => node.id).join(', ')}`;
    case 'run-end':
      return `${time}  run ${paint(event.status === 'completed' ? 'green' : event.status === 'failed' ? 'red' : 'yellow', event.status)}: ${event.message}`;
  }
}
