import { describe, expect, it } from 'vitest';
import { evaluateCondition, type ConditionScope } from './evaluate-condition.js';
import type { Condition } from './plan-file.js';

const scope: ConditionScope = {
  step: (key) =>
    ({
      tests: { status: 'completed' as const, result: 'all 12 passed' },
      review: { status: 'completed' as const, result: 'One BLOCKER: the lock' },
      lint: { status: 'skipped' as const, result: null },
    })[key],
  params: { env: 'prod', rounds: 3, dryRun: false, empty: '' },
};

const holds = (condition: Condition) => evaluateCondition(condition, scope).holds;

describe('evaluateCondition', () => {
  it('tests a status, one of several, true and false', () => {
    expect(holds({ status: { step: 'tests', is: 'completed' } })).toBe(true);
    expect(holds({ status: { step: 'lint', is: ['failed', 'skipped'] } })).toBe(true);
    expect(holds({ status: { step: 'lint', is: 'completed' } })).toBe(false);
    expect(holds({ status: { step: 'unknown', is: 'completed' } })).toBe(false);
  });

  it('tests whether a result contains a text, ignoring case', () => {
    expect(holds({ result: { step: 'review', contains: 'blocker' } })).toBe(true);
    expect(holds({ result: { step: 'tests', contains: 'failed' } })).toBe(false);
    expect(holds({ result: { step: 'lint', contains: 'x' } })).toBe(false);
  });

  it('compares params', () => {
    expect(holds({ param: { name: 'env', equals: 'prod' } })).toBe(true);
    expect(holds({ param: { name: 'env', equals: 'staging' } })).toBe(false);
    expect(holds({ param: { name: 'env', notEquals: 'staging' } })).toBe(true);
    expect(holds({ param: { name: 'rounds', greaterThan: 2, lessThan: 4 } })).toBe(true);
    expect(holds({ param: { name: 'rounds', greaterThan: 3 } })).toBe(false);
    expect(holds({ param: { name: 'dryRun' } })).toBe(false);
    expect(holds({ param: { name: 'env' } })).toBe(true);
  });

  it('tests whether a step has a result or a param a value', () => {
    expect(holds({ exists: { step: 'tests' } })).toBe(true);
    expect(holds({ exists: { step: 'lint' } })).toBe(false);
    expect(holds({ exists: { param: 'env' } })).toBe(true);
    expect(holds({ exists: { param: 'empty' } })).toBe(false);
    expect(holds({ exists: { param: 'missing' } })).toBe(false);
  });

  it('combines with and, or and not, and says why a false one failed', () => {
    const gate: Condition = {
      and: [
        { status: { step: 'tests', is: 'completed' } },
        { not: { result: { step: 'review', contains: 'blocker' } } },
      ],
    };
    expect(evaluateCondition(gate, scope)).toEqual({
      holds: false,
      because: 'the result of "review" contains "blocker"',
    });
    expect(
      holds({ and: [{ exists: { param: 'env' } }, { status: { step: 'tests', is: 'completed' } }] }),
    ).toBe(true);
    expect(holds({ or: [{ exists: { param: 'missing' } }, { param: { name: 'rounds', equals: 3 } }] })).toBe(
      true,
    );
    expect(
      evaluateCondition(
        { or: [{ exists: { param: 'missing' } }, { param: { name: 'env', equals: 'x' } }] },
        scope,
      ),
    ).toEqual({
      holds: false,
      because: 'param "missing" is not set and param "env" is "prod"',
    });
    expect(holds({ not: { status: { step: 'lint', is: 'skipped' } } })).toBe(false);
  });
});
