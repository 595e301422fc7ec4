import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatCost, formatDuration, formatTokens } from '../../cli/format-usage.js';
import { statusSymbols } from '../../cli/tree-view.js';
import { runStatusSchema } from '../../domain/index.js';
import { dashboardPublicDir } from './dashboard-routes.js';

/** The dashboard's own copy of the terminal's symbols and formats (plain JavaScript for the browser). */
interface DashboardFormat {
  statusSymbols: Record<string, string>;
  runSymbols: Record<string, string>;
  formatTokens(tokens: number): string;
  formatCost(costUsd: number | null): string;
  formatDuration(ms: number): string;
}

const dashboard = (await import(
  pathToFileURL(path.join(dashboardPublicDir, 'format.js')).href
)) as DashboardFormat;

// The page shows what the terminal prints; the browser cannot load the CLI's TypeScript, so the two
// copies are held together here.
describe("the dashboard's formats are the terminal's", () => {
  it('has the same symbol for every node status, and one for every run status', () => {
    expect(dashboard.statusSymbols).toEqual(statusSymbols);
    expect(Object.keys(dashboard.runSymbols).sort()).toEqual([...runStatusSchema.options].sort());
    for (const [status, symbol] of Object.entries(dashboard.runSymbols))
      if (status in statusSymbols) expect(symbol).toBe(statusSymbols[status as keyof typeof statusSymbols]);
  });

  it('writes tokens, cost and durations the same way', () => {
    for (const tokens of [0, 950, 999, 1000, 12_345, 999_999, 1_000_000, 1_234_567])
      expect(dashboard.formatTokens(tokens)).toBe(formatTokens(tokens));
    for (const cost of [null, 0, 0.0031, 1.5]) expect(dashboard.formatCost(cost)).toBe(formatCost(cost));
    for (const ms of [
      -5, 0, 850, 999, 1000, 12_345, 59_999, 60_000, 245_000, 3_599_000, 3_600_000, 3_720_000,
    ])
      expect(dashboard.formatDuration(ms)).toBe(formatDuration(ms));
  });
});
