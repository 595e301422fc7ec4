import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyHeapPolicy, heapGrowingPercent, shortCommandFlag } from './heap-policy.js';

describe('heap policy', () => {
  it("sets V8's heap growing percent", () => {
    const set: string[] = [];
    expect(applyHeapPolicy({ execArgv: [], setFlags: (flags) => set.push(flags) })).toBe(true);
    expect(set).toEqual([`--heap-growing-percent=${heapGrowingPercent}`]);
  });

  it('leaves a value given to node alone', () => {
    const set: string[] = [];
    expect(
      applyHeapPolicy({ execArgv: ['--heap-growing-percent=30'], setFlags: (flags) => set.push(flags) }),
    ).toBe(false);
    expect(set).toEqual([]);
  });

  it('is applied by the arbor command before it runs; the young generation stays small unless the command drives runs', async () => {
    const main = path.resolve(import.meta.dirname, 'main.ts');
    // A preloaded module reports what reaches V8; `--help` runs no command.
    const probe = path.join(await mkdtemp(path.join(tmpdir(), 'arbor-heap-')), 'probe.cjs');
    await writeFile(
      probe,
      `const v8 = require('node:v8');
const set = v8.setFlagsFromString;
v8.setFlagsFromString = (flags) => { process.stderr.write('v8 flags: ' + flags + '\\n'); return set(flags); };
require('node:module').syncBuiltinESMExports();`,
    );
    const flagsOf = (args: string[]) => {
      const result = spawnSync(process.execPath, ['--require', probe, '--import', 'tsx', main, ...args], { encoding: 'utf8' });
      expect(result.status, result.stderr).toBe(0);
      return result.stderr;
    };
    const help = flagsOf(['--help']);
    expect(help).toContain(`v8 flags: --heap-growing-percent=${heapGrowingPercent}`);
    expect(help).toContain(`v8 flags: ${shortCommandFlag}`);
    expect(flagsOf(['--store', 'tree', 'tree', '--help'])).toContain(`v8 flags: ${shortCommandFlag}`);
    const run = flagsOf(['run', '--help']);
    expect(run).toContain(`v8 flags: --heap-growing-percent=${heapGrowingPercent}`);
    expect(run).not.toContain(shortCommandFlag);
  });
});
