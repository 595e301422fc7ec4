// What the terminal views show, the same way: status symbols and colours (src/cli/tree-view.ts), tokens, cost, durations.

/** One symbol per node status, as `arbor tree` and the live view print them. */
export const statusSymbols = {
  pending: '·',
  ready: '○',
  running: '▶',
  decomposed: '▿',
  checking: '?',
  awaiting_approval: '⏸',
  completed: '✓',
  failed: '✗',
  skipped: '–',
  cancelled: '⊘',
};

/** The order statuses are listed in. */
export const statusOrder = Object.keys(statusSymbols);

/** Symbols of run statuses. */
export const runSymbols = {
  running: '▶',
  awaiting_approval: '⏸',
  completed: '✓',
  failed: '✗',
  cancelled: '⊘',
};

/** Statuses after which a node does not move again (unless resumed). */
export const settledStatuses = new Set(['completed', 'failed', 'skipped', 'cancelled']);

/** A run status after which the stream ends. */
export const finishedRunStatuses = new Set(['completed', 'failed', 'cancelled']);

/** `950`, `12.3k`, `1.20M`. */
export function formatTokens(tokens) {
  if (tokens < 1000) return String(tokens);
  if (tokens < 1_000_000) return `${(tokens / 1000).toFixed(1)}k`;
  return `${(tokens / 1_000_000).toFixed(2)}M`;
}

/** `$0.0031`, or `$?` when a model's price is unknown. */
export function formatCost(costUsd) {
  return costUsd === null || costUsd === undefined ? '$?' : `$${costUsd.toFixed(4)}`;
}

/** Input plus output tokens of a usage. */
export function totalTokens(usage) {
  return usage ? usage.inputTokens + usage.outputTokens : 0;
}

/** `850ms`, `12.3s`, `4m05s`, `1h02m`. */
export function formatDuration(ms) {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const whole = Math.round(seconds);
  if (whole < 3600) return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(whole / 3600)}h${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')}m`;
}

/** How long a run has taken: to its end, or to now while it goes on. */
export function elapsed(run, now = Date.now()) {
  const end = run.endedAt ? Date.parse(run.endedAt) : now;
  return formatDuration(end - Date.parse(run.createdAt));
}

/** A status as the terminal shows it: symbol and name, in the status's colour (CSS class). */
export function statusLabel(status) {
  return `${statusSymbols[status] ?? runSymbols[status] ?? ''} ${status}`;
}

/**
 * At least how long the run has left: its unfinished nodes at the pace its finished ones took,
 * `concurrency` at a time (the tree may still grow). Null until a node has finished, or when none is left.
 */
export function estimateLeft(nodes, concurrency) {
  let finished = 0;
  let took = 0;
  let open = 0;
  for (const node of nodes) {
    if (node.status === 'completed' && node.startedAt && node.endedAt) {
      finished++;
      took += Date.parse(node.endedAt) - Date.parse(node.startedAt);
    } else if (['pending', 'ready', 'running', 'checking'].includes(node.status)) open++;
  }
  if (finished === 0 || open === 0) return null;
  return { nodes: open, ms: ((took / finished) * open) / Math.max(1, concurrency) };
}
