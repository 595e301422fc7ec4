import { didYouMean, type Condition, type PlanFile, type PlanStep } from '../domain/index.js';
import type { PlanProblem } from './plan-check-error.js';
import type { PlanLocator, PlanPath } from './plan-locator.js';
import { stepFields, templateVariables } from './step-prompt.js';

/** What the step checks need: the plan, where things are written, and where to report. */
interface StepCheck {
  plan: PlanFile;
  locator: PlanLocator;
  problems: PlanProblem[];
}

/**
 * The checks a schema cannot make (issue 16): unique keys, dependencies and fallbacks that name a
 * sibling, no dependency cycle (named, `a → b → a`), conditions and prompts that use only the
 * steps the step depends on and the declared params. Each problem carries its line and column.
 */
export function checkPlanSteps(plan: PlanFile, locator: PlanLocator): PlanProblem[] {
  const check: StepCheck = { plan, locator, problems: [] };
  checkLevel(check, plan.steps, ['steps'], new Set());
  return check.problems;
}

function report(check: StepCheck, path: PlanPath, message: string, options: { key?: boolean } = {}): void {
  check.problems.push({ ...check.locator.at(path, options), message });
}

function suggestion(word: string, candidates: Iterable<string>): string {
  const meant = didYouMean(word, candidates);
  return meant ? ` (did you mean "${meant}"?)` : '';
}

/** The sibling keys but the step's own: no step is told it meant itself. */
function others(keys: ReadonlySet<string>, own: string): string[] {
  return [...keys].filter((key) => key !== own);
}

/** The keys a step's prompt and condition may name: its dependencies, and those of the steps it is inside. */
function scopeOf(
  step: PlanStep,
  fallbackOf: ReadonlyMap<string, string>,
  outer: ReadonlySet<string>,
): Set<string> {
  const primary = fallbackOf.get(step.key);
  return new Set([...outer, ...step.dependsOn, ...(primary ? [primary] : [])]);
}

function checkLevel(
  check: StepCheck,
  steps: readonly PlanStep[],
  path: PlanPath,
  outer: ReadonlySet<string>,
): void {
  const keys = new Set<string>();
  steps.forEach((step, index) => {
    if (keys.has(step.key)) report(check, [...path, index, 'key'], `duplicate step key "${step.key}"`);
    keys.add(step.key);
  });
  const fallbackOf = new Map<string, string>();
  steps.forEach((step, index) => {
    const at: PlanPath = [...path, index];
    step.dependsOn.forEach((dependency, position) => {
      if (dependency === step.key)
        report(check, [...at, 'dependsOn', position], `step "${step.key}" depends on itself`);
      else if (!keys.has(dependency))
        report(
          check,
          [...at, 'dependsOn', position],
          `step "${step.key}" depends on "${dependency}", which is not a step beside it${suggestion(dependency, others(keys, step.key))}`,
        );
    });
    if (step.fallback === undefined) return;
    if (step.fallback === step.key)
      report(check, [...at, 'fallback'], `step "${step.key}" is its own fallback`);
    else if (!keys.has(step.fallback))
      report(
        check,
        [...at, 'fallback'],
        `the fallback of "${step.key}" is "${step.fallback}", which is not a step beside it${suggestion(step.fallback, others(keys, step.key))}`,
      );
    else if (fallbackOf.has(step.fallback))
      report(
        check,
        [...at, 'fallback'],
        `step "${step.fallback}" is already the fallback of "${fallbackOf.get(step.fallback)}"`,
      );
    else fallbackOf.set(step.fallback, step.key);
  });
  checkCycles(check, steps, path, fallbackOf);
  steps.forEach((step, index) => {
    const at: PlanPath = [...path, index];
    const scope = scopeOf(step, fallbackOf, outer);
    if (step.when) checkCondition(check, step, step.when, [...at, 'when'], scope);
    // A step without a prompt is prompted with its title, so the title is checked as a template then.
    if (step.prompt !== undefined) checkPrompt(check, step, step.prompt, [...at, 'prompt'], scope);
    else checkPrompt(check, step, step.title, [...at, 'title'], scope);
    if (step.steps) checkLevel(check, step.steps, [...at, 'steps'], scope);
  });
}

/** The edges the engine will wait on: `dependsOn`, a fallback on its step, a dependent on the fallback. */
function edgesOf(steps: readonly PlanStep[], fallbackOf: ReadonlyMap<string, string>): Map<string, string[]> {
  const keys = new Set(steps.map((step) => step.key));
  const edges = new Map<string, string[]>();
  const fallbackByPrimary = new Map([...fallbackOf].map(([fallback, primary]) => [primary, fallback]));
  for (const step of steps) {
    const on = step.dependsOn.filter((key) => keys.has(key) && key !== step.key);
    const primary = fallbackOf.get(step.key);
    if (primary) on.push(primary);
    for (const dependency of step.dependsOn) {
      const fallback = fallbackByPrimary.get(dependency);
      if (fallback && fallback !== step.key) on.push(fallback);
    }
    edges.set(step.key, [...new Set(on)]);
  }
  return edges;
}

function checkCycles(
  check: StepCheck,
  steps: readonly PlanStep[],
  path: PlanPath,
  fallbackOf: ReadonlyMap<string, string>,
): void {
  const edges = edgesOf(steps, fallbackOf);
  const indexOf = new Map(steps.map((step, index) => [step.key, index]));
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const seen = new Set<string>();
  const visit = (key: string): void => {
    state.set(key, 'open');
    stack.push(key);
    for (const next of edges.get(key) ?? []) {
      if (state.get(next) === 'open') {
        const cycle = stack.slice(stack.indexOf(next));
        const name = [...cycle].sort().join(',');
        if (!seen.has(name)) {
          seen.add(name);
          // Named in the order the file reads: each step waits on the next.
          const shown = [...cycle, next].join(' → ');
          const step = steps[indexOf.get(key)!]!;
          const position = step.dependsOn.indexOf(next);
          const at: PlanPath =
            position >= 0
              ? [...path, indexOf.get(key)!, 'dependsOn', position]
              : [...path, indexOf.get(key)!, 'key'];
          const through = position >= 0 ? '' : ` (${implicitEdge(step, next, fallbackOf)})`;
          report(check, at, `dependency cycle: ${shown}${through}`);
        }
      } else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(key, 'done');
  };
  for (const step of steps) if (!state.has(step.key)) visit(step.key);
}

/** Why a step waits on another it does not list in `dependsOn`: a fallback link. */
function implicitEdge(step: PlanStep, next: string, fallbackOf: ReadonlyMap<string, string>): string {
  if (fallbackOf.get(step.key) === next)
    return `"${step.key}" is the fallback of "${next}", so it waits on it`;
  const primary = fallbackOf.get(next);
  return `"${step.key}" depends on "${primary}", so it waits on its fallback "${next}" too`;
}

/** Every step and param a condition names, with where. */
function conditionReferences(
  condition: Condition,
  path: PlanPath,
): { steps: { key: string; path: PlanPath }[]; params: { name: string; path: PlanPath }[] } {
  const found = {
    steps: [] as { key: string; path: PlanPath }[],
    params: [] as { name: string; path: PlanPath }[],
  };
  const walk = (part: Condition, at: PlanPath): void => {
    if ('and' in part) part.and.forEach((inner, index) => walk(inner, [...at, 'and', index]));
    else if ('or' in part) part.or.forEach((inner, index) => walk(inner, [...at, 'or', index]));
    else if ('not' in part) walk(part.not, [...at, 'not']);
    else if ('status' in part) found.steps.push({ key: part.status.step, path: [...at, 'status', 'step'] });
    else if ('result' in part) found.steps.push({ key: part.result.step, path: [...at, 'result', 'step'] });
    else if ('param' in part) found.params.push({ name: part.param.name, path: [...at, 'param', 'name'] });
    else if ('step' in part.exists)
      found.steps.push({ key: part.exists.step, path: [...at, 'exists', 'step'] });
    else found.params.push({ name: part.exists.param, path: [...at, 'exists', 'param'] });
  };
  walk(condition, path);
  return found;
}

function checkCondition(
  check: StepCheck,
  step: PlanStep,
  condition: Condition,
  path: PlanPath,
  scope: ReadonlySet<string>,
): void {
  const references = conditionReferences(condition, path);
  for (const reference of references.steps)
    if (!scope.has(reference.key))
      report(
        check,
        reference.path,
        `the "when" of "${step.key}" refers to step "${reference.key}", which "${step.key}" does not depend on (add it to dependsOn)`,
      );
  const params = Object.keys(check.plan.params);
  for (const reference of references.params)
    if (!params.includes(reference.name))
      report(
        check,
        reference.path,
        `the "when" of "${step.key}" refers to param "${reference.name}", which the plan does not declare${suggestion(reference.name, params)}`,
      );
}

function checkPrompt(
  check: StepCheck,
  step: PlanStep,
  prompt: string,
  path: PlanPath,
  scope: ReadonlySet<string>,
): void {
  const variables = templateVariables(prompt);
  const at = (line: number, column: number) => check.locator.inPrompt(path, line, column);
  if (!variables.success) {
    for (const problem of variables.error)
      check.problems.push({
        ...at(problem.line, problem.column),
        message: `step "${step.key}": ${problem.message}`,
      });
    return;
  }
  const params = Object.keys(check.plan.params);
  for (const variable of variables.value) {
    const [head, name, field] = variable.parts;
    const place = at(variable.line, variable.column);
    const problem = (message: string) =>
      check.problems.push({ ...place, message: `step "${step.key}": ${message}` });
    if (head === 'params' && name !== undefined && variable.parts.length === 2) {
      if (!params.includes(name))
        problem(`{{${variable.name}}}: the plan declares no param "${name}"${suggestion(name, params)}`);
    } else if (head === 'steps' && name !== undefined && field !== undefined && variable.parts.length === 3) {
      if (!scope.has(name))
        problem(
          `{{${variable.name}}}: "${step.key}" does not depend on a step "${name}"${suggestion(name, scope)} (add it to dependsOn)`,
        );
      else if (!(stepFields as readonly string[]).includes(field))
        problem(
          `{{${variable.name}}}: a step offers ${stepFields.map((known) => `"${known}"`).join(', ')}, not "${field}"`,
        );
    } else
      problem(
        `{{${variable.name}}}: no param or dependency provides it (use {{params.NAME}} or {{steps.KEY.result}})`,
      );
  }
}
