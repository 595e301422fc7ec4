import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPlanText } from '../../src/plans/index.js';
import { makeTempDir, readTree, repoRoot, runCli, runIdFrom } from '../support/cli.js';

const fixtures = path.join(repoRoot, 'test', 'fixtures', 'plans');
const script = `script:${path.join(fixtures, 'demo.script.yaml')}`;

describe('the README', () => {
  it('shows a plan that passes its check', async () => {
    const readme = await readFile(path.join(repoRoot, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Writing plans'));
    const example = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    expect(example).toBeDefined();
    const checked = checkPlanText(example!, { params: { feature: 'CSV export' } });
    expect(checked.success ? [] : checked.error).toEqual([]);
  });
});

describe('arbor plan', () => {
  it('check names every problem with its line and column and exits 2', async () => {
    const cwd = await makeTempDir();
    const file = path.join(cwd, 'broken.yaml');
    await writeFile(
      file,
      `name: broken
steps:
  - { key: a, title: A, dependsOn: [c] }
  - { key: b, title: B, dependsOn: [a], prompt: "{{steps.z.result}}" }
  - { key: c, title: C, dependsOn: [b], titel: x }
`,
    );
    const checked = await runCli(['plan', 'check', 'broken.yaml'], { cwd });
    expect(checked.code).toBe(2);
    // The unknown key and the problems of the steps, all at once.
    expect(checked.stderr).toContain('error: plan broken.yaml has 3 problems:');
    expect(checked.stderr).toContain(
      'broken.yaml:5:41: unknown key "titel" in steps[2] (did you mean "title"?)',
    );
    expect(checked.stderr).toContain('broken.yaml:4:37: dependency cycle: a → c → b → a');

    await writeFile(file, (await readFile(file, 'utf8')).replace(', titel: x', ''));
    const again = await runCli(['plan', 'check', 'broken.yaml'], { cwd });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('error: plan broken.yaml has 2 problems:');
    expect(again.stderr).toContain('broken.yaml:4:37: dependency cycle: a → c → b → a');
    expect(again.stderr).toContain(
      'broken.yaml:4:52: step "b": {{steps.z.result}}: "b" does not depend on a step "z"',
    );
  });

  it('run --plan builds the tree from the plan, and refuses a missing param before storing anything', async () => {
    const cwd = await makeTempDir();
    const plan = path.join(fixtures, 'demo.plan.yaml');
    const missing = await runCli(['run', '--plan', plan, '--llm', script], { cwd });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(
      'demo.plan.yaml:5:3: param "target" is required: pass --set target=VALUE',
    );
    const none = await runCli(['runs', '--json'], { cwd });
    expect(JSON.parse(none.stdout)).toEqual([]);

    const ran = await runCli(
      ['run', '--plan', plan, '--set', 'target=prod', '--set', 'strict=yes', '--llm', script, '--plain'],
      { cwd },
    );
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    const tree = await readTree(runIdFrom(ran.stdout), { cwd });
    expect(tree.root.children.map((node) => [node.title, node.status])).toEqual([
      ['Write part A', 'completed'],
      ['Write part B', 'completed'],
      ['Join A and B', 'completed'],
      ['Check strictly', 'completed'],
      ['Build the whole', 'completed'],
      ['Write the docs', 'completed'],
    ]);
  });

  it('schema prints the JSON Schema of plan files', async () => {
    const cwd = await makeTempDir();
    const printed = await runCli(['plan', 'schema'], { cwd });
    expect(printed.code).toBe(0);
    const schema = JSON.parse(printed.stdout) as { title: string; required: string[] };
    expect(schema.title).toBe('Arbor plan file');
    expect(schema.required).toEqual(['name', 'steps']);
  });

  it('list and show find the shipped plans, and each passes its check', async () => {
    const cwd = await makeTempDir();
    const listed = await runCli(['plan', 'list', '--json'], { cwd });
    expect(listed.code).toBe(0);
    const plans = JSON.parse(listed.stdout) as { name: string; problems: string | null }[];
    expect(plans.map((plan) => [plan.name, plan.problems])).toEqual([
      ['code-review', null],
      ['feature-from-notes', null],
      ['release-checklist', null],
    ]);
    for (const plan of plans) {
      const checked = await runCli(['plan', 'check', plan.name], { cwd });
      expect(checked.stderr).toBe('');
      expect(checked.code).toBe(0);
    }
    const shown = await runCli(['plan', 'show', 'release-checklist'], { cwd });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(
      'production: Deploy to production  (after notes, staging; needs approval; conditional)',
    );
    expect(shown.stdout).toContain('Run it: arbor run --plan release-checklist --set version=…');
  });
});
