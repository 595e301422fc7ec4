import { describe, expect, it } from 'vitest';
import { sampleRun } from '../../test/support/sample-documents.js';
import type { Run, RunStatus } from '../domain/index.js';
import { runTotals } from './run-totals.js';

function run(day: string, status: RunStatus, minutes: number | null, costUsd: number | null): Run {
  const createdAt = `${day}T10:00:00.000Z`;
  return {
    ...sampleRun({ createdAt }).run,
    status,
    usage: { calls: 10, inputTokens: 1000, outputTokens: 200, cachedTokens: 0, costUsd },
    endedAt: minutes === null ? null : new Date(Date.parse(createdAt) + minutes * 60_000).toISOString(),
  };
}

describe('runTotals', () => {
  it('adds up cost per day, the failure rate of ended runs and the median run time', () => {
    const totals = runTotals([
      run('2026-03-02', 'completed', 4, 0.5),
      run('2026-03-02', 'failed', 2, 0.25),
      run('2026-03-01', 'completed', 10, 1),
      run('2026-03-01', 'cancelled', 6, 0),
      run('2026-03-01', 'awaiting_approval', null, 0.125),
    ]);
    expect(totals).toMatchObject({
      runs: 5,
      calls: 50,
      tokens: 6000,
      costUsd: 1.875,
      failureRate: 0.25,
      medianRunMs: 5 * 60_000,
    });
    expect(totals.byStatus).toEqual({ completed: 2, failed: 1, cancelled: 1, awaiting_approval: 1 });
    expect(totals.byDay).toEqual([
      { day: '2026-03-02', runs: 2, failed: 1, calls: 20, tokens: 2400, costUsd: 0.75 },
      { day: '2026-03-01', runs: 3, failed: 0, calls: 30, tokens: 3600, costUsd: 1.125 },
    ]);
  });

  it('has no rate or median before any run ended, and an unknown cost when a price was unknown', () => {
    const totals = runTotals([run('2026-03-01', 'running', null, null)]);
    expect(totals).toMatchObject({ failureRate: null, medianRunMs: null, costUsd: null });
    expect(runTotals([])).toMatchObject({ runs: 0, failureRate: null, costUsd: 0, byDay: [] });
  });
});
