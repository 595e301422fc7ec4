import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { makeTempDir, repoRoot, runCli, runIdFrom, startCli, waitFor, type CliResult } from '../support/cli.js';

/** A script good enough to start a run; the bad input must stop the CLI before it is used. */
const okScript = `
rules:
  - role: planner
    depth: 0
    respond:
      tasks:
        - { key: one, title: The only task, description: '' }
defaults:
  sequencer: auto
  executor: { action: complete, result: { summary: 'done: {{node.title}}', output: '' } }
  checker: { verdict: pass, feedback: '' }
`;

/** A temp working directory holding `ok.yaml`. */
async function workspace(): Promise<string> {
  const cwd = await makeTempDir();
  await writeFile(path.join(cwd, 'ok.yaml'), okScript);
  return cwd;
}

/** Exit 2, a one-line `error:` naming the problem, no stack trace, nothing written to the cwd. */
function expectUsageError(result: CliResult, cwd: string, problem: RegExp): void {
  expect(result.code, result.stderr).toBe(2);
  expect(result.stderr).toMatch(/^error: /);
  expect(result.stderr).toMatch(problem);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.stderr).not.toMatch(/\b(TypeError|ReferenceError|ZodError)\b/);
  expect(result.stdout).not.toMatch(/Run r-\S+ started/);
  expect(existsSync(path.join(cwd, '.arbor')), '.arbor/ was created').toBe(false);
  expect(existsSync(path.join(cwd, 'arbor-out')), 'arbor-out/ was created').toBe(false);
}

/** Every file under a directory with a hash of its content. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    files[path.relative(dir, file)] = createHash('sha256').update(await readFile(file)).digest('hex');
  }
  return files;
}

describe('bad input (exit 2, a clear message, nothing written)', () => {
  it('refuses a missing notes file', async () => {
    const cwd = await workspace();
    const result = await runCli(['run', '--prompt', 'Build a todo app', '--notes', 'notes/missing.md', '--llm', 'script:ok.yaml'], { cwd });
    expectUsageError(result, cwd, /notes file notes\/missing\.md.*no such file/);
    expect(result.stderr).toMatch(/fix: .*--notes/);
  });

  it('refuses a binary notes file', async () => {
    const cwd = await workspace();
    await writeFile(path.join(cwd, 'logo.md'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x0d, 0x0a, 0x1a, 0x00]));
    const result = await runCli(['run', '--prompt', 'Build a todo app', '--notes', 'logo.md', '--llm', 'script:ok.yaml'], { cwd });
    expectUsageError(result, cwd, /notes file logo\.md looks binary/);
    expect(result.stderr).toMatch(/fix: /);
  });

  it('refuses on resume a notes file that turned binary since the run started, changing nothing stored', async () => {
    const cwd = await workspace();
    await writeFile(path.join(cwd, 'notes.md'), '# Todo app\nOne list, no accounts.\n');
    await writeFile(path.join(cwd, 'gate.yaml'), okScript.replace("description: '' }", "description: '', requiresApproval: true, approvalReason: 'public' }"));
    const first = await runCli(['run', '--prompt', 'Build a todo app', '--notes', 'notes.md', '--llm', 'script:gate.yaml'], { cwd });
    expect(first.code).toBe(3);
    const runId = runIdFrom(first.stdout);
    await writeFile(path.join(cwd, 'notes.md'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x0d, 0x0a, 0x1a, 0x00]));
    const before = await snapshot(cwd);

    const resume = await runCli(['resume', runId], { cwd });
    expect(resume.code, resume.stderr).toBe(2);
    expect(resume.stderr).toMatch(/^error: notes file notes\.md looks binary, not text/);
    expect(resume.stderr).toMatch(/fix: /);
    expect(resume.stderr).not.toMatch(/\n\s+at /);
    expect(await snapshot(cwd)).toEqual(before);
  });

  it('refuses an empty prompt', async () => {
    const cwd = await workspace();
    const result = await runCli(['run', '--prompt', '   ', '--llm', 'script:ok.yaml'], { cwd });
    expectUsageError(result, cwd, /prompt is empty/);
    expect(result.stderr).toMatch(/fix: .*--prompt/);
  });

  it('refuses an agent file that is not valid YAML', async () => {
    const cwd = await workspace();
    await cp(path.join(repoRoot, 'agents'), path.join(cwd, 'agents'), { recursive: true });
    await writeFile(path.join(cwd, 'agents', 'planner.yaml'), 'role: planner\ntemperature: [0.2\n');
    const result = await runCli(['run', '--prompt', 'Build a todo app', '--agents', 'agents', '--llm', 'script:ok.yaml'], { cwd });
    expectUsageError(result, cwd, /agent file .*planner\.yaml is not valid YAML at line 2/);
    // The offending line, with a caret after the unclosed bracket.
    expect(result.stderr).toContain('  2 | temperature: [0.2\n    |                  ^\n');
    expect(result.stderr).toMatch(/fix: /);
  });

  it('suggests the key an agent file meant', async () => {
    const cwd = await workspace();
    await cp(path.join(repoRoot, 'agents'), path.join(cwd, 'agents'), { recursive: true });
    const file = path.join(cwd, 'agents', 'executor.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace(/^temperature:/m, 'temprature:'));
    const result = await runCli(['run', '--prompt', 'Build a todo app', '--agents', 'agents', '--llm', 'script:ok.yaml'], { cwd });
    expectUsageError(result, cwd, /Unrecognized key: "temprature" \(did you mean "temperature"\?\)/);
    expect(result.stderr).toContain('fix: rename "temprature" to "temperature" in that file');
  });

  it('answers a bad flag in two or three lines: the message, a suggestion, and where the help is', async () => {
    const cwd = await workspace();
    const typo = await runCli(['run', '--prompt', 'x', '--concurency', '4'], { cwd });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe("error: unknown option '--concurency'\n(Did you mean --concurrency?)\nsee arbor run --help\n");
    const value = await runCli(['resume', 'r-1', '--max-depth', 'deep'], { cwd });
    expect(value.code).toBe(2);
    expect(value.stderr.trim().split('\n')).toHaveLength(2);
    expect(value.stderr).toMatch(/--max-depth.*"deep" is not a positive whole number\.\nsee arbor resume --help\n$/);
  });

  it('refuses an agent file with a field of the wrong type', async () => {
    const cwd = await workspace();
    await cp(path.join(repoRoot, 'agents'), path.join(cwd, 'agents'), { recursive: true });
    const file = path.join(cwd, 'agents', 'executor.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace(/^temperature: .*$/m, 'temperature: warm'));
    const result = await runCli(['run', '--prompt', 'Build a todo app', '--agents', 'agents', '--llm', 'script:ok.yaml'], { cwd });
    expectUsageError(result, cwd, /agent file .*executor\.yaml.*temperature/);
    expect(result.stderr).toMatch(/fix: /);
  });

  it('refuses a prompt template with an unclosed {{#if', async () => {
    const cwd = await workspace();
    await cp(path.join(repoRoot, 'prompts'), path.join(cwd, 'prompts'), { recursive: true });
    const file = path.join(cwd, 'prompts', 'checker.hbs');
    await writeFile(file, `${await readFile(file, 'utf8')}\n{{#if node.title}}never closed\n`);
    const result = await runCli(['run', '--prompt', 'Build a todo app', '--prompts', 'prompts', '--llm', 'script:ok.yaml'], { cwd });
    expectUsageError(result, cwd, /prompt template .*checker\.hbs has a syntax error/);
    expect(result.stderr).toMatch(/fix: /);
  });

  it('says what is wrong in a broken prompt template, not only the line number', async () => {
    const cwd = await workspace();
    await cp(path.join(repoRoot, 'prompts'), path.join(cwd, 'prompts'), { recursive: true });
    const file = path.join(cwd, 'prompts', 'checker.hbs');
    await writeFile(file, `${await readFile(file, 'utf8')}\n{{#if node.title}}never closed\n`);
    const result = await runCli(['run', '--prompt', 'Build a todo app', '--prompts', 'prompts', '--llm', 'script:ok.yaml'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/EOF|end of (the )?file|unclosed|not closed|OPEN_ENDBLOCK/i);
  });

  it('refuses an unknown --llm', async () => {
    const cwd = await workspace();
    const result = await runCli(['run', '--prompt', 'Build a todo app', '--llm', 'foo'], { cwd });
    expectUsageError(result, cwd, /unknown --llm "foo"/);
    expect(result.stderr).toMatch(/fix: .*script:FILE/);
  });

  it('refuses to start without a model when no --llm, ARBOR_LLM or API key is set', async () => {
    const cwd = await workspace();
    const result = await runCli(['run', '--prompt', 'Build a todo app'], { cwd });
    expectUsageError(result, cwd, /no model configured/);
    expect(result.stderr).toMatch(/fix: .*--llm/);
  });

  it('refuses a script file that does not exist', async () => {
    const cwd = await workspace();
    const result = await runCli(['run', '--prompt', 'Build a todo app', '--llm', 'script:nope.yaml'], { cwd });
    expectUsageError(result, cwd, /nope\.yaml.*not found/);
    expect(result.stderr).toMatch(/fix: /);
  });

  it('says what to do about a run document changed outside Arbor', async () => {
    const cwd = await workspace();
    const run = await runCli(['run', '--prompt', 'Build a todo app', '--llm', 'script:ok.yaml'], { cwd });
    const runId = runIdFrom(run.stdout);
    await writeFile(path.join(cwd, '.arbor', 'runs', runId, 'run.json'), '{not json');
    const tree = await runCli(['tree', runId], { cwd });
    expect(tree.code).toBe(1);
    expect(tree.stderr).toMatch(/run\.json is corrupt: .*\n\s+fix: it was changed outside Arbor: restore it/);
  });

  it('refuses --max-nodes that is not a number', async () => {
    const cwd = await workspace();
    const result = await runCli(['run', '--prompt', 'Build a todo app', '--llm', 'script:ok.yaml', '--max-nodes', 'abc'], { cwd });
    expectUsageError(result, cwd, /--max-nodes.*"abc" is not a positive whole number/);
  });

  it("leaves an existing run's files untouched when a later command fails", async () => {
    const cwd = await workspace();
    const first = await runCli(['run', '--prompt', 'Build a todo app', '--llm', 'script:ok.yaml'], { cwd });
    expect(first.code).toBe(0);
    const runId = runIdFrom(first.stdout);
    const before = await snapshot(cwd);
    expect(Object.keys(before).some((file) => file.startsWith(path.join('.arbor', 'runs', runId)))).toBe(true);

    const resume = await runCli(['resume', 'r-0000000000'], { cwd });
    expect(resume.code).toBe(2);
    expect(resume.stderr).toMatch(/^error: no run "r-0000000000"/);
    expect(resume.stderr).toMatch(/fix: .*arbor runs/);

    const badRun = await runCli(['run', '--prompt', 'Build a todo app', '--notes', 'missing.md', '--llm', 'script:ok.yaml'], { cwd });
    expect(badRun.code).toBe(2);

    expect(await snapshot(cwd)).toEqual(before);
  });

  it('changes nothing stored when `resume` is refused because another process runs the run', async () => {
    const cwd = await makeTempDir();
    await writeFile(
      path.join(cwd, 'slow.yaml'),
      `rules:
  - role: planner
    depth: 0
    respond: { tasks: [{ key: slow, title: A slow task, description: '' }] }
  - role: executor
    delayMs: 8000
    respond: { action: complete, result: { summary: 'done', output: '' } }
defaults:
  sequencer: auto
  checker: { verdict: pass, feedback: '' }
`,
    );
    const run = startCli(['run', '--prompt', 'Take a while', '--llm', 'script:slow.yaml'], { cwd });
    await waitFor('the slow task to start', () => /ready → running\s+A slow task/.test(run.stdout()));
    const runId = runIdFrom(run.stdout());

    const resume = await runCli(['resume', runId, '--max-calls', '3', '--concurrency', '1'], { cwd });
    expect(resume.code).toBe(2);
    expect(resume.stderr).toMatch(/^error: run \S+ is being run by process/);
    expect((await run.exited).code).toBe(0);

    const store = await openStore(path.join(cwd, '.arbor'));
    try {
      expect((await store.getRun(runId))?.limits).toMatchObject({ maxCalls: 2000, concurrency: 8 });
    } finally {
      await store.close();
    }
  });

  it('creates no store when `resume` names an unknown run in a fresh directory', async () => {
    const cwd = await workspace();
    const result = await runCli(['resume', 'r-0000000000'], { cwd });
    expectUsageError(result, cwd, /no run "r-0000000000"/);
  });

  // The run's log goes beside the store, not to `.arbor/logs/` of the working directory.
  it('writes nothing to the working directory when --store and --out point elsewhere', async () => {
    const cwd = await workspace();
    const elsewhere = await makeTempDir();
    await mkdir(path.join(elsewhere, 'out'));
    const result = await runCli(
      ['run', '--prompt', 'Build a todo app', '--llm', 'script:ok.yaml', '--store', path.join(elsewhere, 'store'), '--out', path.join(elsewhere, 'out')],
      { cwd },
    );
    expect(result.code).toBe(0);
    expect(existsSync(path.join(elsewhere, 'store'))).toBe(true);
    expect(await readdir(cwd)).toEqual(['ok.yaml']);
  });
});
