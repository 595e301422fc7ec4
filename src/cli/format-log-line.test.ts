import { describe, expect, it } from 'vitest';
import { formatLogLine } from './format-log-line.js';

describe('formatLogLine', () => {
  it('shows a call-end usage as tokens, cached tokens and cost, not raw JSON', () => {
    const line = JSON.stringify({
      timestamp: '2026-12-04T12:00:00.000Z',
      level: 'info',
      message: 'call-end',
      nodeId: '1.2',
      role: 'executor',
      usage: { calls: 1, inputTokens: 1200, outputTokens: 300, cachedTokens: 800, costUsd: 0.0031 },
    });
    const text = formatLogLine(line, { color: false });
    expect(text).toBe('2026-12-04 12:00:00.000  1.2      call-end  role=executor usage=1.5k tok (1.2k in, 300 out, 800 cached) · $0.0031');
    expect(text).not.toContain('{');
  });

  it('says $? for a usage of unknown price', () => {
    const line = JSON.stringify({ level: 'info', message: 'call-end', usage: { calls: 1, inputTokens: 10, outputTokens: 5, cachedTokens: 0, costUsd: null } });
    expect(formatLogLine(line, { color: false })).toContain('usage=15 tok (10 in, 5 out) · $?');
  });
});
