import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir, runCli, runIdFrom } from '../support/cli.js';

/** Every executor decomposes and every planner makes one child: a tree that never stops growing. */
const runaway = `
defaults:
  planner: { tasks: [{ key: a, title: "{{node.title}}/a", description: "part of {{node.title}}" }] }
  sequencer: auto
  executor: { action: decompose, reason: "too big" }
  checker: { verdict: pass, feedback: "" }
`;

async function runawayRun(limitArgs: string[]) {
  const cwd = await makeTempDir();
  await writeFile(path.join(cwd, 'runaway.yaml'), runaway);
  const run = await runCli(['run', '--prompt', 'Build it', '--llm', 'script:runaway.yaml', '--plain', ...limitArgs], { cwd });
  const runId = runIdFrom(run.stdout);
  const tree = await runCli(['tree', runId], { cwd });
  const lines = run.stdout.trimEnd().split('\n');
  return { run, runId, tree, lines };
}

describe('a run stopped by a limit', () => {
  it('ends a runaway decomposition naming the depth limit and --max-depth in its final line and in arbor tree', async () => {
    const { run, runId, tree, lines } = await runawayRun(['--max-depth', '2']);

    expect(run.code).toBe(1);
    const reason = 'subtask 1 "Build it/a" failed: the tree may not grow deeper than 2 levels (raise it with --max-depth)';
    expect(lines.at(-2)).toMatch(new RegExp(`^Run ${runId} failed: ${escape(reason)} \\(3 nodes, `));
    expect(lines.at(-1)).toBe(`Continue with a higher limit: arbor resume ${runId} --max-depth N`);

    expect(tree.code).toBe(0);
    const [header, stopped, next] = tree.stdout.split('\n');
    expect(header).toMatch(new RegExp(`^Run ${runId} {2}failed {2}3 nodes`));
    expect(stopped).toBe(`Stopped by a limit: ${reason}`);
    expect(next).toBe(`Continue with a higher limit: arbor resume ${runId} --max-depth N`);
    // The leaf that could not decompose says so too.
    expect(tree.stdout).toMatch(/1\.1 {2}✗ failed {2}Build it\/a\/a .*still decomposed.*\(raise it with --max-depth\)/);
  });

  it('ends a run stopped at the node limit naming --max-nodes in its final line and in arbor tree', async () => {
    const { run, runId, tree, lines } = await runawayRun(['--max-depth', '5', '--max-nodes', '3']);

    expect(run.code).toBe(1);
    const reason = 'the run reached its limit of 3 nodes (raise it with --max-nodes)';
    expect(lines.at(-2)).toMatch(new RegExp(`^Run ${runId} failed: ${escape(reason)} \\(3 nodes, `));
    expect(lines.at(-1)).toBe(`Continue with a higher limit: arbor resume ${runId} --max-nodes N`);
    expect(tree.stdout.split('\n').slice(1, 3)).toEqual([
      `Stopped by a limit: ${reason}`,
      `Continue with a higher limit: arbor resume ${runId} --max-nodes N`,
    ]);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
