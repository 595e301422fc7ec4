import path from 'node:path';
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { makeTempDir, repoRoot } from '../../test/support/cli.js';
import { PlanCheckError } from '../plans/index.js';
import { openStore, type Store } from '../store/index.js';
import { getTree, type TreeNode } from './queries.js';
import { createRun, resumeRun, startRun } from './runs.js';
import { scheduledRunSpec } from './schedule-runner.js';
import { scheduledRunId } from './scheduled-run-id.js';
import { addSchedule } from './schedules.js';

const fixtures = path.join(repoRoot, 'test', 'fixtures', 'plans');
const llm = `script:${path.join(fixtures, 'demo.script.yaml')}`;

function child(node: TreeNode, key: string): TreeNode {
  const found = node.children.find((candidate) => candidate.key === key);
  if (!found) throw new Error(`no child ${key} under ${node.id}`);
  return found;
}

async function withStore(test: (store: Store, dir: string) => Promise<void>): Promise<void> {
  const dir = await makeTempDir();
  const store = await openStore(dir);
  try {
    await test(store, dir);
  } finally {
    await store.close();
  }
}

describe('startRun with a written plan', () => {
  it('builds the tree from the plan: no planner for written levels, prompts rendered with results, auto steps decomposed', () =>
    withStore(async (store, dir) => {
      const handle = await startRun({
        store,
        llm,
        plan: path.join(fixtures, 'demo.plan.yaml'),
        params: { target: 'prod' },
        outDir: path.join(dir, 'out'),
      });
      const outcome = await handle.done;
      expect(outcome.status).toBe('completed');
      expect(outcome.run.plan).toMatchObject({
        name: 'demo',
        version: '2',
        params: { target: 'prod', strict: false },
      });
      const { root } = await getTree(store, handle.runId);
      expect(root.title).toBe('Build the demo in written steps');
      expect(root.children.map((node) => node.key)).toEqual(['a', 'b', 'c', 'strict-check', 'build', 'docs']);
      // The plan planned the root and "docs": no planner or sequencer call for them.
      expect(root.calls).toMatchObject({ planner: 0, sequencer: 0, executor: 0 });
      expect(child(root, 'docs').calls).toMatchObject({ planner: 0, sequencer: 0, executor: 0 });
      expect(child(root, 'a').description).toBe('Write A for prod');
      // A result is data: the template syntax it holds is not read as a template.
      expect(child(root, 'c').description).toBe('Join A-output {{params.target}} with Write B');
      expect(child(root, 'c').dependsOn).toEqual([child(root, 'a').id, child(root, 'b').id]);
      expect(child(root, 'strict-check')).toMatchObject({
        status: 'skipped',
        error: { kind: 'condition', message: 'its condition does not hold: param "strict" is false' },
      });
      const build = child(root, 'build');
      expect(build.status).toBe('completed');
      expect(build.children.map((node) => [node.key, node.status])).toEqual([
        ['x', 'completed'],
        ['y', 'completed'],
      ]);
      expect(build.calls).toMatchObject({ planner: 1, executor: 1 });
      const docs = child(root, 'docs');
      expect(docs.children.map((node) => node.key)).toEqual(['d1', 'd2']);
      expect(child(docs, 'd2').description).toBe('After Docs part 1');
    }));

  it('refuses to decompose a manual step, runs its fallback, and hands the fallback result to dependents', () =>
    withStore(async (store, dir) => {
      const plan = `name: fallback
steps:
  - { key: flaky, title: Flaky step, fallback: backup }
  - { key: backup, title: Backup step, prompt: "Instead of {{steps.flaky.status}} flaky" }
  - key: use
    title: Use the result
    dependsOn: [flaky]
    prompt: "Use {{steps.flaky.result}}"
  - key: report
    title: Report the failure
    dependsOn: [flaky]
    when: { status: { step: flaky, is: failed } }
  - key: celebrate
    title: Celebrate
    dependsOn: [flaky]
    when: { status: { step: flaky, is: completed } }
`;
      const handle = await startRun({ store, llm, plan: { text: plan }, outDir: path.join(dir, 'out') });
      const outcome = await handle.done;
      expect(outcome.status).toBe('completed');
      const { root } = await getTree(store, handle.runId);
      const flaky = child(root, 'flaky');
      expect(flaky.status).toBe('failed');
      expect(flaky.error?.message).toMatch(/plan: manual/);
      expect(child(root, 'backup')).toMatchObject({
        status: 'completed',
        description: 'Instead of failed flaky',
      });
      expect(child(root, 'use')).toMatchObject({
        status: 'completed',
        description: 'Use Instead of failed flaky',
      });
      expect(child(root, 'report').status).toBe('completed');
      expect(child(root, 'celebrate')).toMatchObject({
        status: 'skipped',
        error: { kind: 'condition', message: 'its condition does not hold: step "flaky" is failed' },
      });
    }));

  it('runs a step whose condition looks at a dependency that failed, and skips the others behind it', () =>
    withStore(async (store, dir) => {
      const plan = `name: notify
steps:
  - { key: flaky, title: Flaky step }
  - { key: notify, title: Tell someone, dependsOn: [flaky], when: { status: { step: flaky, is: failed } } }
  - { key: next, title: Carry on, dependsOn: [flaky] }
`;
      const handle = await startRun({ store, llm, plan: { text: plan }, outDir: path.join(dir, 'out') });
      expect((await handle.done).status).toBe('failed');
      const { root } = await getTree(store, handle.runId);
      expect(child(root, 'notify').status).toBe('completed');
      expect(child(root, 'next')).toMatchObject({ status: 'skipped', error: { kind: 'dependency' } });
    }));

  it('asks nobody to approve a gated step whose condition does not hold', () =>
    withStore(async (store, dir) => {
      const plan = `name: gate
steps:
  - { key: flaky, title: Flaky step }
  - key: ship
    title: Ship it
    dependsOn: [flaky]
    requiresApproval: true
    when: { status: { step: flaky, is: completed } }
`;
      const events: string[] = [];
      const handle = await startRun({
        store,
        llm,
        plan: { text: plan },
        outDir: path.join(dir, 'out'),
        waitForApprovals: false,
        onEvent: (event) => events.push(event.type),
      });
      expect((await handle.done).status).toBe('failed');
      const { root } = await getTree(store, handle.runId);
      expect(child(root, 'ship')).toMatchObject({
        status: 'skipped',
        approval: null,
        error: { kind: 'condition' },
      });
      expect(events).not.toContain('approval-request');
    }));

  it('skips a fallback that is not needed', () =>
    withStore(async (store, dir) => {
      const plan =
        'name: f\nsteps:\n  - { key: main, title: Main, fallback: spare }\n  - { key: spare, title: Spare }\n';
      const handle = await startRun({ store, llm, plan: { text: plan }, outDir: path.join(dir, 'out') });
      expect((await handle.done).status).toBe('completed');
      const { root } = await getTree(store, handle.runId);
      expect(child(root, 'spare')).toMatchObject({
        status: 'skipped',
        error: { kind: 'condition', message: 'fallback not needed: "main" completed' },
      });
    }));

  it.each([
    ['code-review', { diff: '--- a/x.ts\n+++ b/x.ts\n+const x = 1;' }, 6],
    ['feature-from-notes', { feature: 'CSV export', withDocs: false }, 5],
  ] as const)('runs the shipped %s plan to the end', (name, params, steps) =>
    withStore(async (store, dir) => {
      const handle = await startRun({
        store,
        llm,
        plan: path.join(repoRoot, 'plans', `${name}.yaml`),
        params,
        outDir: path.join(dir, 'out'),
      });
      expect((await handle.done).status).toBe('completed');
      const { root } = await getTree(store, handle.runId);
      expect(root.children).toHaveLength(steps);
      expect(root.calls.planner).toBe(0);
    }),
  );

  it("calls a step's own model when it names an agent, and refuses one that cannot be built", () =>
    withStore(async (store, dir) => {
      const other = path.join(fixtures, 'reviewer.script.yaml');
      const plan = `name: agents
steps:
  - { key: write, title: Write it }
  - { key: review, title: Review it, dependsOn: [write], agent: "script:${other}" }
`;
      const handle = await startRun({ store, llm, plan: { text: plan }, outDir: path.join(dir, 'out') });
      expect((await handle.done).status).toBe('completed');
      const { root } = await getTree(store, handle.runId);
      expect(child(root, 'write').result?.summary).toBe('done: Write it');
      expect(child(root, 'review').result?.summary).toBe('reviewed by the other model');
      const calls = await store.listCalls(handle.runId, child(root, 'review').id);
      expect(new Set(calls.map((call) => call.role))).toEqual(new Set(['executor', 'checker']));

      const missing = 'name: m\nsteps:\n  - { key: a, title: A, agent: "script:no-such.yaml" }\n';
      await expect(startRun({ store, llm, plan: { text: missing } })).rejects.toThrow(
        /step "a" names agent "script:no-such\.yaml"/,
      );
      const typo = 'name: m\nsteps:\n  - { key: a, title: A, agent: "opneai" }\n';
      await expect(startRun({ store, llm, plan: { text: typo } })).rejects.toThrow(
        /the plan has 1 problem:\n {2}plan:3:32: steps\[0\]\.agent: an agent is a model/,
      );
      expect((await store.listRuns()).length).toBe(1);
    }));

  it("gives a step's agent file its role on that node only: settings, template and model, kept on the run for resumes", () =>
    withStore(async (store, dir) => {
      const prompts = path.join(dir, 'prompts');
      await cp(path.join(repoRoot, 'prompts'), prompts, { recursive: true });
      await writeFile(
        path.join(prompts, 'strict-checker.hbs'),
        '{{#system}}You are a strict checker.{{/system}}STRICT CHECK of {{node.title}}: {{result.summary}}\n',
      );
      await mkdir(path.join(dir, 'roles'));
      await writeFile(
        path.join(dir, 'roles', 'strict-checker.yaml'),
        'role: checker\ntemplate: strict-checker.hbs\ntemperature: 0\nmaxOutputTokens: 512\n',
      );
      const planFile = path.join(dir, 'plan.yaml');
      await writeFile(
        planFile,
        'name: strict\nsteps:\n  - { key: write, title: Write it }\n' +
          '  - key: review\n    title: Review it\n    dependsOn: [write]\n    requiresApproval: true\n' +
          '    agent: roles/strict-checker.yaml\n',
      );
      const first = await startRun({
        store,
        llm,
        plan: planFile,
        prompts,
        outDir: path.join(dir, 'out'),
        waitForApprovals: false,
      });
      expect((await first.done).status).toBe('awaiting_approval');
      // The review runs in a later process, from the stored run alone: the agent file went with it.
      await rm(path.join(dir, 'roles'), { recursive: true });
      const handle = await resumeRun({ store, runId: first.runId });
      await handle.decide(handle.approvals()[0]!.nodeId, { action: 'approve', by: 'test' });
      const outcome = await handle.done;
      expect(outcome.status).toBe('completed');
      expect(outcome.run.plan?.agents?.['roles/strict-checker.yaml']).toMatchObject({
        role: 'checker',
        template: 'strict-checker.hbs',
        maxOutputTokens: 512,
      });
      const { root } = await getTree(store, handle.runId);
      const review = child(root, 'review');
      const write = child(root, 'write');
      expect(review.status).toBe('completed');
      const reviewCalls = await store.listCalls(handle.runId, review.id);
      const checks = reviewCalls.filter((call) => call.role === 'checker');
      expect(checks).toHaveLength(1);
      expect(checks[0]?.system).toBe('You are a strict checker.');
      expect(checks[0]?.messages[0]?.content).toMatch(/^STRICT CHECK of Review it: done: Review it/);
      // The step's other roles, and every other node, keep the run's agents.
      const execution = reviewCalls.find((call) => call.role === 'executor');
      expect(execution?.system).toMatch(/^You are an executor of Arbor/);
      const writeChecks = (await store.listCalls(handle.runId, write.id)).filter((call) => call.role === 'checker');
      expect(writeChecks).toHaveLength(1);
      expect(writeChecks[0]?.messages[0]?.content).not.toMatch(/STRICT CHECK/);
    }));

  it('keeps the agent files with a schedule, so that a tick fired where they are not starts a run that has them', () =>
    withStore(async (store, dir) => {
      await mkdir(path.join(dir, 'roles'));
      await writeFile(
        path.join(dir, 'roles', 'strict-checker.yaml'),
        'role: checker\ntemplate: checker.hbs\nmaxOutputTokens: 512\n',
      );
      const planFile = path.join(dir, 'plan.yaml');
      await writeFile(planFile, 'name: strict\nsteps:\n  - { key: review, title: Review it, agent: roles/strict-checker.yaml }\n');
      await addSchedule({ store, name: 'nightly', cron: '0 3 * * *', timezone: 'UTC', plan: planFile });
      const schedule = (await store.getSchedule('nightly'))!;
      expect(schedule.plan.agents?.['roles/strict-checker.yaml']).toMatchObject({ role: 'checker', maxOutputTokens: 512 });
      // The firing process runs elsewhere: neither the plan's folder nor its agent files are there.
      await rm(path.join(dir, 'roles'), { recursive: true });
      const ready = await createRun({ store, llm, ...scheduledRunSpec(schedule, '2026-12-05T03:00:00.000Z') });
      expect(ready.run.plan?.agents?.['roles/strict-checker.yaml']).toMatchObject({
        role: 'checker',
        template: 'checker.hbs',
        maxOutputTokens: 512,
      });
      // The tick's run has the tick's own id: started again, the tick stores no second run.
      expect(ready.run.id).toBe(scheduledRunId('nightly', '2026-12-05T03:00:00.000Z'));
      await expect(createRun({ store, llm, ...scheduledRunSpec(schedule, '2026-12-05T03:00:00.000Z') })).rejects.toThrow(
        `run ${ready.run.id} already exists`,
      );
      expect((await store.listRuns()).map((run) => run.id)).toEqual([ready.run.id]);
    }));

  it('refuses an agent file that is missing or wrong, naming the step, before storing anything', () =>
    withStore(async (store, dir) => {
      await writeFile(path.join(dir, 'bad-role.yaml'), 'role: checker\ntemplate: checker.hbs\ntemprature: 0.1\n');
      const plan = (agent: string) => {
        const file = path.join(dir, `plan-${agent.replace(/\W/g, '')}.yaml`);
        return writeFile(file, `name: p\nsteps:\n  - { key: a, title: A, agent: ${agent} }\n`).then(() => file);
      };
      await expect(startRun({ store, llm, plan: await plan('none.yaml') })).rejects.toThrow(
        /step "a" names agent "none\.yaml": cannot read agent file .*none\.yaml/,
      );
      await expect(startRun({ store, llm, plan: await plan('bad-role.yaml') })).rejects.toThrow(
        /step "a" names agent "bad-role\.yaml": .*temprature.*temperature/s,
      );
      await writeFile(path.join(dir, 'no-template.yaml'), 'role: executor\ntemplate: nowhere.hbs\n');
      await expect(startRun({ store, llm, plan: await plan('no-template.yaml') })).rejects.toThrow(
        /cannot read the prompt template of the agent file "no-template\.yaml"/,
      );
      expect(await store.listRuns()).toEqual([]);
    }));

  it('refuses a plan with problems or a missing required param before storing anything', () =>
    withStore(async (store, dir) => {
      await expect(startRun({ store, llm, plan: path.join(fixtures, 'demo.plan.yaml') })).rejects.toThrow(
        /demo\.plan\.yaml:5:3: param "target" is required: pass --set target=VALUE/,
      );
      const bad = path.join(dir, 'bad.yaml');
      await writeFile(bad, 'name: bad\nsteps:\n  - { key: a, title: A, dependsOn: [a] }\n');
      const refused = startRun({ store, llm, plan: bad });
      await expect(refused).rejects.toBeInstanceOf(PlanCheckError);
      await expect(refused).rejects.toThrow(/bad\.yaml:3:37: step "a" depends on itself/);
      // From JavaScript, a plan object where text or a path belongs.
      const object = { name: 'p', steps: [{ key: 'a', title: 'A' }] } as unknown as string;
      await expect(startRun({ store, llm, plan: object })).rejects.toThrow('a plan is a file path or { text } (YAML or JSON), not a plan object');
      expect(await store.listRuns()).toEqual([]);
    }));

  it('refuses a plan deeper than the max depth, or a step note the run was not given, before storing anything', () =>
    withStore(async (store, dir) => {
      const deep = path.join(dir, 'deep.yaml');
      await writeFile(deep, 'name: deep\nsteps:\n  - key: a\n    title: A\n    steps:\n      - key: b\n        title: B\n        steps:\n          - { key: c, title: C }\n');
      await expect(startRun({ store, llm, plan: deep, limits: { maxDepth: 2 } })).rejects.toThrow(
        `the plan nests step "c" 3 levels deep, deeper than the run's max depth (2)`,
      );
      const noted = path.join(dir, 'noted.yaml');
      await writeFile(noted, 'name: noted\nsteps:\n  - { key: a, title: A, notes: [design.md] }\n');
      await expect(startRun({ store, llm, plan: noted })).rejects.toThrow(
        `step "a" draws on notes file "design.md", which is not one of the run's notes (the run has none)`,
      );
      await expect(startRun({ store, llm, plan: noted, notes: [{ name: 'ux.md', content: 'x' }] })).rejects.toThrow(/\(the run has ux\.md\)$/);
      expect(await store.listRuns()).toEqual([]);
      // At the limit, and with the note given (by its file name), they start.
      const fits = await startRun({ store, llm, plan: deep, limits: { maxDepth: 3 }, waitForApprovals: false });
      await fits.done;
      const given = await startRun({ store, llm, plan: noted, notes: [{ name: 'docs/design.md', content: 'the design' }], waitForApprovals: false });
      expect((await given.done).status).toBe('completed');
    }));
});
