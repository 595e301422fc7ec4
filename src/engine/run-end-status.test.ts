import { describe, expect, it } from 'vitest';
import { runEndStatus } from './run-end-status.js';

const depthLimit = { budget: 'maxDepth' as const, message: 'the tree may not grow deeper than 2 levels (raise it with --max-depth)' };

describe('runEndStatus', () => {
  it('ends a run whose root failed because of a limit below it as stopped by that limit', () => {
    const message = `subtask 1 "a" failed: ${depthLimit.message}`;
    expect(
      runEndStatus({
        root: { status: 'failed', error: { kind: 'dependency', message, limit: depthLimit } },
        stopReason: null,
        waitsForPeople: false,
      }),
    ).toEqual({ status: 'failed', stopReason: { kind: 'budget', budget: 'maxDepth', message } });
  });

  it('ends a run whose root failed for another reason (or was stored without a limit) as a failure', () => {
    expect(
      runEndStatus({
        root: { status: 'failed', error: { kind: 'dependency', message: 'subtask 1 "a" failed' } },
        stopReason: null,
        waitsForPeople: false,
      }),
    ).toEqual({ status: 'failed', stopReason: { kind: 'failure', message: 'subtask 1 "a" failed' } });
  });

  it('keeps the reason the run was stopped with', () => {
    const stopReason = { kind: 'budget' as const, budget: 'maxCalls' as const, message: 'the run reached its limit of 3 LLM calls (raise it with --max-calls)' };
    expect(
      runEndStatus({ root: { status: 'decomposed', error: null }, stopReason, waitsForPeople: false }),
    ).toEqual({ status: 'failed', stopReason });
  });
});
