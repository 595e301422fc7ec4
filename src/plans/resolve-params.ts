import { didYouMean, type ParamValue, type PlanFile, type PlanParam } from '../domain/index.js';
import type { PlanProblem } from './plan-check-error.js';
import type { PlanLocator } from './plan-locator.js';

/** Values given for a plan's params: `--set` text, or typed values from the library API or the service. */
export type ParamInput = Readonly<Record<string, string | number | boolean>>;

/**
 * Every param's value for a run: the one given (read as the param's type), else its default. An
 * unknown name and a value of the wrong type are problems, and so is a missing required param (kept
 * apart: a file is checked without values); each is placed at the param's declaration in the file.
 */
export function resolveParams(
  plan: PlanFile,
  given: ParamInput,
  locator: PlanLocator,
): { params: Record<string, ParamValue>; problems: PlanProblem[]; missing: PlanProblem[] } {
  const problems: PlanProblem[] = [];
  const missing: PlanProblem[] = [];
  const params: Record<string, ParamValue> = {};
  const declared = Object.keys(plan.params);
  for (const name of Object.keys(given))
    if (!(name in plan.params)) {
      const meant = didYouMean(name, declared);
      const known =
        declared.length > 0 ? `; it has ${declared.map((key) => `"${key}"`).join(', ')}` : '; it has none';
      problems.push({
        ...locator.at(declared.length > 0 ? ['params'] : [], { key: declared.length > 0 }),
        message: `--set ${name}: the plan declares no param "${name}"${meant ? ` (did you mean "${meant}"?)` : known}`,
      });
    }
  for (const [name, param] of Object.entries(plan.params)) {
    if (param.default !== undefined && typeof param.default !== param.type)
      problems.push({
        ...locator.at(['params', name, 'default']),
        message: `param "${name}": the default ${JSON.stringify(param.default)} is not a ${param.type}`,
      });
    const value = given[name];
    if (value === undefined) {
      if (param.default !== undefined) params[name] = param.default;
      else if (param.required)
        missing.push({
          ...locator.at(['params', name], { key: true }),
          message: `param "${name}" is required: pass --set ${name}=VALUE`,
        });
      continue;
    }
    const read = readValue(value, param);
    if (read === undefined)
      problems.push({
        ...locator.at(['params', name], { key: true }),
        message: `--set ${name}=${String(value)}: param "${name}" is a ${param.type}`,
      });
    else params[name] = read;
  }
  return { params, problems, missing };
}

function readValue(value: string | number | boolean, param: PlanParam): ParamValue | undefined {
  if (typeof value === param.type) return value;
  if (typeof value !== 'string') return param.type === 'string' ? String(value) : undefined;
  if (param.type === 'number') {
    const number = Number(value);
    return value.trim() !== '' && Number.isFinite(number) ? number : undefined;
  }
  if (param.type === 'boolean') {
    if (/^(true|yes|1)$/i.test(value)) return true;
    if (/^(false|no|0)$/i.test(value)) return false;
    return undefined;
  }
  return value;
}
