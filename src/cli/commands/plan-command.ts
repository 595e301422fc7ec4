import type { Command } from 'commander';
import { findPlan, listPlans, plansFolder, readPlan, showPlan, type PlanSummary } from '../../api/index.js';
import { eachStep, planJsonSchema, type PlanParam, type PlanStep } from '../../domain/index.js';
import { print } from '../command-context.js';
import { planParam } from '../parse-options.js';

interface PlanFlags {
  plans?: string;
  set?: Record<string, string>;
  json?: boolean;
}

/** `--plans DIR` of the plan commands and `run`. */
export const plansOption = [
  '--plans <dir>',
  "folder of plans (default: ./plans when it exists, else Arbor's own plans/)",
] as const;

/** `--set NAME=VALUE` of `plan check` and `run --plan`. */
export const setOption = [
  '--set <name=value>',
  "a value for a plan's param; repeat for more",
  planParam,
] as const;

/** `arbor plan schema|check|list|show`: plans people write (issue 16). */
export function registerPlanCommand(program: Command): void {
  const plan = program
    .command('plan')
    .description('plans you write: check them, list the templates, print the JSON Schema');
  plan
    .command('schema')
    .description('print the JSON Schema of plan files, for editors (# yaml-language-server: $schema=…)')
    .action(() => print(JSON.stringify(planJsonSchema(), null, 2)));
  plan
    .command('check')
    .description('check a plan before it runs: every problem with its line and column (exit 2)')
    .argument('<plan>', 'a plan file (.yaml or .json), or the name of a plan in the plans folder')
    .option(...setOption)
    .option(...plansOption)
    .action(async (nameOrFile: string, flags: PlanFlags) => {
      const file = await findPlan(nameOrFile, flags.plans);
      const checked = await readPlan(file, flags.set);
      const params = Object.entries(checked.params).map(([name, value]) => `${name}=${String(value)}`);
      print(
        `Plan ${checked.plan.name} (${file}) is ready: ${eachStep(checked.plan.steps).length} steps` +
          (flags.set ? `, params ${params.join(' ') || 'none'}` : '') +
          '.',
      );
    });
  plan
    .command('list')
    .description('the plans of the plans folder, with their params')
    .option(...plansOption)
    .option('--json', 'print the list as JSON')
    .action(async (flags: PlanFlags) => {
      const folder = plansFolder(flags.plans);
      const plans = await listPlans(folder);
      if (flags.json) return print(JSON.stringify(plans, null, 2));
      if (plans.length === 0) return print(`No plans in ${folder}.`);
      print(`Plans in ${folder}:`);
      for (const entry of plans) for (const line of summaryLines(entry)) print(line);
    });
  plan
    .command('show')
    .description('one plan: its params, its steps, and the file')
    .argument('<name>', 'the name of a plan in the plans folder, or a plan file')
    .option(...plansOption)
    .action(async (name: string, flags: PlanFlags) => {
      const shown = await showPlan(name, flags.plans);
      print(`${shown.plan.name} (version ${String(shown.plan.version)}) — ${shown.source}`);
      if (shown.plan.description) print(shown.plan.description.trim());
      print('Params:');
      const params = Object.entries(shown.plan.params);
      if (params.length === 0) print('  (none)');
      for (const [param, declared] of params) print(`  ${paramLine(param, declared)}`);
      print('Steps:');
      for (const line of stepLines(shown.plan.steps, '  ')) print(line);
      print(`Run it: arbor run --plan ${name}${requiredSets(shown.plan.params)}`);
    });
}

function paramLine(name: string, param: PlanParam): string {
  const facts = [
    param.type,
    param.required ? 'required' : null,
    param.default !== undefined ? `default ${JSON.stringify(param.default)}` : null,
  ];
  const about = param.description ? ` — ${param.description}` : '';
  return `${name} (${facts.filter(Boolean).join(', ')})${about}`;
}

function requiredSets(params: Record<string, PlanParam>): string {
  return Object.entries(params)
    .filter(([, param]) => param.required && param.default === undefined)
    .map(([name]) => ` --set ${name}=…`)
    .join('');
}

function summaryLines(entry: PlanSummary): string[] {
  if (entry.problems) return [`  ${entry.name}  (does not pass its check: arbor plan check ${entry.file})`];
  const params = Object.entries(entry.params).map(([name, param]) => paramLine(name, param));
  return [
    `  ${entry.name}  v${entry.version}, ${entry.steps} steps${entry.description ? ` — ${entry.description.trim().split('\n')[0]}` : ''}`,
    ...params.map((line) => `      --set ${line}`),
  ];
}

function stepLines(steps: readonly PlanStep[], indent: string): string[] {
  return steps.flatMap((step) => {
    const facts = [
      step.dependsOn.length > 0 ? `after ${step.dependsOn.join(', ')}` : null,
      step.plan === 'auto' ? 'plan: auto' : null,
      step.requiresApproval ? 'needs approval' : null,
      step.when ? 'conditional' : null,
      step.fallback ? `fallback ${step.fallback}` : null,
      step.retry ? `retry ×${step.retry.attempts}` : null,
      step.timeoutMs ? `timeout ${step.timeoutMs} ms` : null,
    ].filter(Boolean);
    return [
      `${indent}${step.key}: ${step.title}${facts.length > 0 ? `  (${facts.join('; ')})` : ''}`,
      ...stepLines(step.steps ?? [], `${indent}  `),
    ];
  });
}
