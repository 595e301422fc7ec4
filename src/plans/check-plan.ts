import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import {
  conditionOperators,
  conditionTestSchemas,
  didYouMean,
  err,
  knownKeys,
  ok,
  planFileSchema,
  type ParamValue,
  type PlanFile,
  type Result,
} from '../domain/index.js';
import { checkPlanSteps } from './check-plan-steps.js';
import type { PlanProblem } from './plan-check-error.js';
import { PlanLocator, type PlanPath } from './plan-locator.js';
import { resolveParams, type ParamInput } from './resolve-params.js';

/** A plan that passed its check, with its params' values when they were checked too. */
export interface CheckedPlan {
  plan: PlanFile;
  /** Every param's value (given or default); only the defaults when no params were checked. */
  params: Record<string, ParamValue>;
}

/** Options of {@link checkPlanText}. */
export interface CheckPlanOptions {
  /**
   * The params given (`--set`). When present, the params are checked as a run would: unknown
   * names, wrong types and missing required params are problems. Absent: the file alone is checked.
   */
  params?: ParamInput;
}

/**
 * Checks a plan file's text (YAML, or JSON, which YAML reads too) before anything runs (issue 16):
 * its syntax, its schema (unknown keys with "did you mean"), its steps and, when given, its params.
 * Every problem carries its line and column.
 */
export function checkPlanText(
  text: string,
  options: CheckPlanOptions = {},
): Result<CheckedPlan, PlanProblem[]> {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines });
  if (document.errors.length > 0)
    return err(
      document.errors.map((error) => {
        const at = error.linePos?.[0] ?? { line: 1, col: 1 };
        return {
          line: at.line,
          column: at.col,
          message: `not valid YAML or JSON: ${(error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}`,
        };
      }),
    );
  const locator = new PlanLocator(document, lines, text);
  const data: unknown = document.toJS() ?? {};
  const parsed = planFileSchema.safeParse(data);
  if (!parsed.success) {
    const problems = schemaProblems(parsed.error, data, locator);
    // Only unknown keys: the plan without them is checked too, so that every problem is listed at once.
    const without = parsed.error.issues.every((issue) => issue.code === 'unrecognized_keys')
      ? planFileSchema.safeParse(withoutUnknownKeys(data, parsed.error.issues))
      : null;
    if (without?.success) problems.push(...checkPlanSteps(without.data, locator), ...resolveParams(without.data, options.params ?? {}, locator).problems);
    return err(sorted(problems));
  }
  const problems = checkPlanSteps(parsed.data, locator);
  const resolved = resolveParams(parsed.data, options.params ?? {}, locator);
  problems.push(...resolved.problems, ...(options.params ? resolved.missing : []));
  if (problems.length > 0) return err(sorted(problems));
  return ok({ plan: parsed.data, params: resolved.params });
}

/** A copy of `data` without the keys zod found unknown. */
function withoutUnknownKeys(data: unknown, issues: readonly z.core.$ZodIssue[]): unknown {
  const copy: unknown = structuredClone(data);
  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    const holder = valueAt(copy, planPathOf(issue));
    if (holder !== null && typeof holder === 'object') for (const key of issue.keys) delete (holder as Record<string, unknown>)[key];
  }
  return copy;
}

/** Where in the plan a zod issue is. */
function planPathOf(issue: z.core.$ZodIssue): PlanPath {
  return issue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment)));
}

function sorted(problems: PlanProblem[]): PlanProblem[] {
  return problems.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** Zod's issues as problems a person can act on; the `when` conditions get a diagnosis of their own. */
function schemaProblems(error: z.ZodError, data: unknown, locator: PlanLocator): PlanProblem[] {
  const problems: PlanProblem[] = [];
  const conditions = new Set<string>();
  for (const issue of error.issues) {
    const path = planPathOf(issue);
    const when = path.lastIndexOf('when');
    if (when >= 0 && path[when - 2] === 'steps') {
      const conditionPath = path.slice(0, when + 1);
      const id = conditionPath.join('.');
      if (!conditions.has(id)) {
        conditions.add(id);
        problems.push(...conditionProblems(valueAt(data, conditionPath), conditionPath, locator));
      }
      continue;
    }
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const meant = didYouMean(key, knownKeys(planFileSchema, path));
        problems.push({
          ...locator.at([...path, key], { key: true }),
          message: `unknown key "${key}" in ${label(path)}${meant ? ` (did you mean "${meant}"?)` : ''}`,
        });
      }
      continue;
    }
    const missing = valueAt(data, path) === undefined && path.length > 0;
    problems.push({
      ...locator.at(path),
      message: missing
        ? `${label(path.slice(0, -1))} needs "${String(path[path.length - 1])}"`
        : `${label(path)}: ${issue.message}`,
    });
  }
  return problems;
}

/** `plan`, `steps[1]`, `steps[1].retry`, `params.diff` */
function label(path: PlanPath): string {
  if (path.length === 0) return 'the plan';
  return path
    .map((segment, index) =>
      typeof segment === 'number' ? `[${segment}]` : `${index > 0 ? '.' : ''}${segment}`,
    )
    .join('');
}

function valueAt(data: unknown, path: PlanPath): unknown {
  let value = data;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}

const combinators = new Set(['and', 'or', 'not']);

/**
 * What is wrong with a condition, operator by operator: zod's account of a failed union lists every
 * branch, where a person needs the one they meant.
 */
function conditionProblems(value: unknown, path: PlanPath, locator: PlanLocator): PlanProblem[] {
  const operators = conditionOperators.join(', ');
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return [
      { ...locator.at(path), message: `${label(path)}: a condition is an object with one of ${operators}` },
    ];
  const keys = Object.keys(value);
  if (keys.length !== 1)
    return [
      {
        ...locator.at(path),
        message: `${label(path)}: a condition has exactly one operator (${operators}), not ${keys.length}`,
      },
    ];
  const operator = keys[0]!;
  const inner = (value as Record<string, unknown>)[operator];
  const at: PlanPath = [...path, operator];
  if (!(conditionOperators as readonly string[]).includes(operator)) {
    const meant = didYouMean(operator, conditionOperators);
    return [
      {
        ...locator.at(at, { key: true }),
        message: `unknown condition "${operator}" in ${label(path)}${meant ? ` (did you mean "${meant}"?)` : ` (use one of ${operators})`}`,
      },
    ];
  }
  if (combinators.has(operator)) {
    if (operator === 'not') return conditionProblems(inner, at, locator);
    if (!Array.isArray(inner) || inner.length === 0)
      return [{ ...locator.at(at), message: `${label(at)}: "${operator}" takes a list of conditions` }];
    return inner.flatMap((part, index) => conditionProblems(part, [...at, index], locator));
  }
  const schema = conditionTestSchemas[operator as keyof typeof conditionTestSchemas];
  const parsed = schema.safeParse(inner);
  if (parsed.success) return [];
  return parsed.error.issues.slice(0, 1).map((issue) => {
    const where: PlanPath = [
      ...at,
      ...issue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment))),
    ];
    if (issue.code === 'unrecognized_keys') {
      const key = issue.keys[0]!;
      const shape = 'shape' in schema ? Object.keys(schema.shape) : ['step', 'param'];
      const meant = didYouMean(key, shape);
      return {
        ...locator.at([...where, key], { key: true }),
        message: `unknown key "${key}" in ${label(where)}${meant ? ` (did you mean "${meant}"?)` : ''}`,
      };
    }
    return { ...locator.at(where), message: `${label(where)}: ${issue.message}` };
  });
}
