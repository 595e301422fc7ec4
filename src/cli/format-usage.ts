import { totalTokens, type Usage } from '../domain/index.js';

/** A token count for people: `950`, `12.3k`, `1.20M`. */
export function formatTokens(tokens: number): string {
  if (tokens < 1000) return String(tokens);
  if (tokens < 1_000_000) return `${(tokens / 1000).toFixed(1)}k`;
  return `${(tokens / 1_000_000).toFixed(2)}M`;
}

/** A cost in USD, or `$?` when a model's price is unknown. */
export function formatCost(costUsd: number | null): string {
  return costUsd === null ? '$?' : `$${costUsd.toFixed(4)}`;
}

/** `1.2k tok · $0.0031` for a usage. */
export function formatUsage(usage: Usage): string {
  return `${formatTokens(totalTokens(usage))} tok · ${formatCost(usage.costUsd)}`;
}

/** A duration for people: `850ms`, `12.3s`, `4m05s`, `1h02m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const whole = Math.round(seconds);
  if (whole < 3600) return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(whole / 3600)}h${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')}m`;
}
