import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { didYouMean, eachStep, UsageError, type PlanParam } from '../domain/index.js';
import { packageRoot } from './package-root.js';
import { readPlan, type ReadPlan } from './read-plan.js';

/** Arbor's own plans, the templates it ships. */
export const shippedPlansDir = path.join(packageRoot, 'plans');

/**
 * The folder of plans (`--plans DIR`): the one given, else `plans/` where the command runs when
 * there is one, else the plans Arbor ships.
 */
export function plansFolder(dir?: string): string {
  if (dir !== undefined) return path.resolve(dir);
  const local = path.resolve('plans');
  return existsSync(local) ? local : shippedPlansDir;
}

/** One plan of a folder, as `arbor plan list` shows it. */
export interface PlanSummary {
  file: string;
  name: string;
  version: string;
  description: string;
  params: Record<string, PlanParam>;
  steps: number;
  /** The plan's problems, when it does not pass its check. */
  problems: string | null;
}

const planExtensions = new Set(['.yaml', '.yml', '.json']);

/** The plan files of a folder (YAML or JSON), sorted by file name. */
async function planFiles(dir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    throw new UsageError(`cannot read the plans folder ${dir}: ${(error as Error).message}`, {
      cause: error,
      hint: 'pass --plans DIR, a folder of plan files (.yaml or .json)',
    });
  }
  return entries
    .filter((entry) => planExtensions.has(path.extname(entry)))
    .sort()
    .map((entry) => path.join(dir, entry));
}

/** Every plan of a folder with its params; a plan that fails its check is listed with its problems. */
export async function listPlans(dir: string): Promise<PlanSummary[]> {
  const summaries: PlanSummary[] = [];
  for (const file of await planFiles(dir)) {
    try {
      const { plan } = await readPlan(file);
      summaries.push({
        file,
        name: plan.name,
        version: String(plan.version),
        description: plan.description,
        params: plan.params,
        steps: eachStep(plan.steps).length,
        problems: null,
      });
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      const name = path.basename(file, path.extname(file));
      summaries.push({
        file,
        name,
        version: '',
        description: '',
        params: {},
        steps: 0,
        problems: error.message,
      });
    }
  }
  return summaries;
}

/**
 * The plan a `--plan` argument names: a file, or the name of a plan in the folder (its `name`, or
 * its file name without the extension).
 */
export async function findPlan(nameOrFile: string, dir?: string): Promise<string> {
  if (existsSync(nameOrFile) || planExtensions.has(path.extname(nameOrFile))) return nameOrFile;
  const folder = plansFolder(dir);
  const plans = await listPlans(folder);
  const found = plans.find(
    (plan) => plan.name === nameOrFile || path.basename(plan.file, path.extname(plan.file)) === nameOrFile,
  );
  if (found) return found.file;
  const meant = didYouMean(
    nameOrFile,
    plans.map((plan) => plan.name),
  );
  throw new UsageError(`no plan "${nameOrFile}" in ${folder}${meant ? ` (did you mean "${meant}"?)` : ''}`, {
    hint: `see the plans with: arbor plan list${dir === undefined ? '' : ` --plans ${dir}`}; or pass --plan FILE`,
  });
}

/** Reads the plan a name or file names (see {@link findPlan}) and checks the file. */
export async function showPlan(nameOrFile: string, dir?: string): Promise<ReadPlan & { text: string }> {
  const file = await findPlan(nameOrFile, dir);
  const plan = await readPlan(file);
  return { ...plan, text: await readFile(file, 'utf8') };
}
