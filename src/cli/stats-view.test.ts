import { describe, expect, it } from 'vitest';
import { sampleRun } from '../../test/support/sample-documents.js';
import { at, sampleTree, statsEvent } from '../../test/support/stats-records.js';
import { computeRunStats, runTotals } from '../api/index.js';
import { renderRunStats, renderRunTotals } from './stats-view.js';

const run = {
  ...sampleRun({ id: 'run-stats', prompt: 'Build a shop' }).run,
  llm: 'openai:gpt-4.1',
  status: 'completed' as const,
  endedAt: at(21),
};

describe('renderRunStats', () => {
  it('prints the bound, the critical path in order and aligned usage tables', () => {
    const events = [
      statsEvent('3', 'ready', 'awaiting_approval', 14),
      statsEvent('3', 'awaiting_approval', 'ready', 18),
    ];
    const lines = renderRunStats(computeRunStats({ run, ...sampleTree(9), events, now: at(100) }));
    const text = lines.join('\n');
    expect(lines[0]).toBe('Run run-stats  completed  6 nodes  10 calls  1.1k tok · $0.0100');
    expect(text).toContain('wall time           21.0s  1.50× the lower bound of 14.0s');
    expect(text).toContain(
      'waiting for people   4.0s  with no call running (1 wait, 4.0s in all); without it 1.21× the bound',
    );
    const path = lines.slice(lines.indexOf('Critical path') + 1, lines.indexOf('Critical path') + 5);
    expect(path).toEqual([
      '  3.0s  0    Build a shop',
      '  3.0s  1    Model',
      '  4.0s  2    API',
      '  4.0s  2.1  Handlers',
    ]);
    const roles = lines.slice(lines.indexOf('By role') + 1, lines.indexOf('By role') + 6);
    expect(roles).toEqual([
      '  role       calls  tokens     cost  call time',
      '  planner        2     220  $0.0020       4.0s',
      '  sequencer      2     220  $0.0020       2.0s',
      '  executor       5     550  $0.0050      17.0s',
      '  checker        1     110  $0.0010       1.0s',
    ]);
    expect(text).toContain('openai:gpt-4.1');
    expect(text).toContain('passed first check  67%  2 of 3 checked nodes; 1 failed check');
    for (const line of lines) expect(line).toBe(line.trimEnd());
  });
});

describe('renderRunTotals', () => {
  it('prints the failure rate, the median run time and cost per day', () => {
    const ended = {
      ...run,
      usage: { calls: 4, inputTokens: 900, outputTokens: 100, cachedTokens: 0, costUsd: 0.5 },
    };
    const text = renderRunTotals(
      runTotals([ended, { ...ended, id: 'r2', status: 'failed', endedAt: at(61) }]),
    ).join('\n');
    expect(text).toContain('Totals  2 runs (1 completed, 1 failed)  8 calls  2.0k tok · $1.0000');
    expect(text).toContain('failure rate       50%');
    expect(text).toContain('median run time  41.0s');
    expect(text).toContain('2025-01-01     2       1      8    2.0k  $1.0000');
  });
});
