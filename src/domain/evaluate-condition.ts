import type { NodeStatus } from './node-status.js';
import type { Condition, ParamValue } from './plan-file.js';

/** What a condition may look at: the steps it names (by key) and the plan's params. */
export interface ConditionScope {
  /** A step in the condition's scope, or undefined when it has none of that key. */
  step(key: string): { status: NodeStatus; result: string | null } | undefined;
  params: Readonly<Record<string, ParamValue>>;
}

/** A condition's value, and the reason a false one gives (for the skipped node). */
export interface ConditionOutcome {
  holds: boolean;
  /** The condition as a sentence: what held, or what did not. */
  because: string;
}

/** Evaluates a `when` condition (issue 16): structured, over step statuses, results and params. */
export function evaluateCondition(condition: Condition, scope: ConditionScope): ConditionOutcome {
  if ('and' in condition) {
    for (const part of condition.and) {
      const outcome = evaluateCondition(part, scope);
      if (!outcome.holds) return outcome;
    }
    return {
      holds: true,
      because: condition.and.map((part) => evaluateCondition(part, scope).because).join(' and '),
    };
  }
  if ('or' in condition) {
    const outcomes = condition.or.map((part) => evaluateCondition(part, scope));
    const held = outcomes.find((outcome) => outcome.holds);
    return held ?? { holds: false, because: outcomes.map((outcome) => outcome.because).join(' and ') };
  }
  if ('not' in condition) {
    const inner = evaluateCondition(condition.not, scope);
    return { holds: !inner.holds, because: inner.because };
  }
  if ('status' in condition) {
    const { step, is } = condition.status;
    const status = scope.step(step)?.status;
    const wanted = Array.isArray(is) ? is : [is];
    const holds = status !== undefined && wanted.includes(status);
    return { holds, because: `step "${step}" is ${status ?? 'unknown'}` };
  }
  if ('result' in condition) {
    const { step, contains } = condition.result;
    const result = scope.step(step)?.result ?? '';
    const holds = result.toLowerCase().includes(contains.toLowerCase());
    return {
      holds,
      because: `the result of "${step}" ${holds ? 'contains' : 'does not contain'} "${contains}"`,
    };
  }
  if ('param' in condition) return compareParam(condition.param, scope.params);
  const target = condition.exists;
  if ('step' in target) {
    const found = scope.step(target.step);
    const holds = found?.status === 'completed' && (found.result ?? '') !== '';
    return { holds, because: `step "${target.step}" ${holds ? 'has' : 'has no'} result` };
  }
  const value = scope.params[target.param];
  const holds = value !== undefined && value !== '';
  return { holds, because: `param "${target.param}" is ${holds ? 'set' : 'not set'}` };
}

function compareParam(
  test: Extract<Condition, { param: unknown }>['param'],
  params: Readonly<Record<string, ParamValue>>,
): ConditionOutcome {
  const value = params[test.name];
  const shown = value === undefined ? 'not set' : JSON.stringify(value);
  const checks: boolean[] = [];
  if (test.equals !== undefined) checks.push(value === test.equals);
  if (test.notEquals !== undefined) checks.push(value !== test.notEquals);
  if (test.greaterThan !== undefined) checks.push(typeof value === 'number' && value > test.greaterThan);
  if (test.lessThan !== undefined) checks.push(typeof value === 'number' && value < test.lessThan);
  if (checks.length === 0) checks.push(value !== undefined && value !== false && value !== '');
  return { holds: checks.every(Boolean), because: `param "${test.name}" is ${shown}` };
}

/** The keys of the steps a condition looks at. */
export function conditionSteps(condition: Condition): Set<string> {
  const keys = new Set<string>();
  const walk = (part: Condition): void => {
    if ('and' in part) part.and.forEach(walk);
    else if ('or' in part) part.or.forEach(walk);
    else if ('not' in part) walk(part.not);
    else if ('status' in part) keys.add(part.status.step);
    else if ('result' in part) keys.add(part.result.step);
    else if ('exists' in part && 'step' in part.exists) keys.add(part.exists.step);
  };
  walk(condition);
  return keys;
}
