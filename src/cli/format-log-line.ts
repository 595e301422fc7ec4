import { styleText } from 'node:util';
import { usageSchema } from '../domain/index.js';
import { formatCost, formatTokens } from './format-usage.js';

/**
 * One line of a run's JSON-lines log (`logDirFor`) for people: time, the node and its move for
 * status changes, otherwise the level, message and fields. A line that is not JSON is shown as is.
 */
export function formatLogLine(text: string, options: { color: boolean }): string {
  let entry: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return text;
    entry = parsed as Record<string, unknown>;
  } catch {
    return text;
  }
  const paint = (color: Parameters<typeof styleText>[0], value: string) => (options.color ? styleText(color, value) : value);
  const { timestamp, level, message, ...fields } = entry;
  const time = typeof timestamp === 'string' ? timestamp.replace('T', ' ').replace(/Z$/, '') : '';
  const levelText = typeof level === 'string' ? level : 'info';
  const messageText = typeof message === 'string' ? message : JSON.stringify(message);
  if ((messageText === 'node-transition' || messageText === 'node-create') && typeof fields.nodeId === 'string') {
    const from = typeof fields.from === 'string' ? fields.from : 'new';
    const reason = typeof fields.reason === 'string' && fields.reason ? `  (${fields.reason})` : '';
    return `${time}  ${fields.nodeId.padEnd(8)} ${from} → ${String(fields.to)}  ${typeof fields.title === 'string' ? fields.title : ''}${reason}`;
  }
  const levelLabel = levelText === 'error' ? paint('red', levelText) : levelText === 'warn' ? paint('yellow', levelText) : levelText;
  const nodeId = typeof fields.nodeId === 'string' ? `${fields.nodeId.padEnd(8)} ` : '';
  delete fields.nodeId;
  const rest = Object.entries(fields)
    .filter(([, value]) => value !== null && value !== undefined)
    .map(([key, value]) => `${key}=${key === 'usage' ? formatLoggedUsage(value) : typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return `${time}  ${nodeId}${levelText === 'debug' || levelText === 'info' ? '' : `${levelLabel} `}${messageText}${rest ? `  ${paint('gray', rest)}` : ''}`;
}

/** A logged usage (`call-end`) as the live view shows one: `1.2k tok (900 in, 300 out, 400 cached) · $0.0031`. */
function formatLoggedUsage(value: unknown): string {
  const parsed = usageSchema.safeParse(value);
  if (!parsed.success) return JSON.stringify(value);
  const usage = parsed.data;
  const cached = usage.cachedTokens > 0 ? `, ${formatTokens(usage.cachedTokens)} cached` : '';
  return `${formatTokens(usage.inputTokens + usage.outputTokens)} tok (${formatTokens(usage.inputTokens)} in, ${formatTokens(usage.outputTokens)} out${cached}) · ${formatCost(usage.costUsd)}`;
}
