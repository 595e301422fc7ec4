import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir, runCli, runIdFrom } from '../support/cli.js';
import { peakCallsInFlight } from '../support/peak-calls.js';

/** Four independent tasks whose executors take 60 ms each. */
const script = `
rules:
  - role: planner
    depth: 0
    respond:
      tasks:
        - { key: a, title: A, description: 'a' }
        - { key: b, title: B, description: 'b' }
        - { key: c, title: C, description: 'c' }
        - { key: d, title: D, description: 'd' }
  - role: executor
    delayMs: 60
    respond: { action: complete, result: { summary: 'done', output: '' } }
defaults:
  sequencer: auto
  checker: { verdict: pass, feedback: '' }
`;

describe('arbor run --provider-concurrency', () => {
  it('holds the calls to a provider at its limit, whatever the run allows', async () => {
    const cwd = await makeTempDir();
    await writeFile(path.join(cwd, 'four.yaml'), script);
    const base = [
      'run',
      '--prompt',
      'Four tasks',
      '--llm',
      'script:four.yaml',
      '--plain',
      '--concurrency',
      '8',
    ];

    const free = await runCli(base, { cwd });
    expect(free.code, free.stderr).toBe(0);
    expect(await peakCallsInFlight(cwd, runIdFrom(free.stdout))).toBeGreaterThan(1);

    const limited = await runCli([...base, '--provider-concurrency', 'script=1'], { cwd });
    expect(limited.code, limited.stderr).toBe(0);
    expect(await peakCallsInFlight(cwd, runIdFrom(limited.stdout))).toBe(1);
  });

  it('refuses a limit that names no known provider, saying which ones there are', async () => {
    const cwd = await makeTempDir();
    const result = await runCli(
      ['run', '--prompt', 'x', '--llm', 'script:none.yaml', '--provider-concurrency', 'gemini=2'],
      {
        cwd,
      },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('"gemini" is not a provider; use openai, anthropic, script.');
  });
});
