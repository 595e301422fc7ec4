import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseRun } from '../store/index.js';
import { outputFolder } from './output-folder.js';

const fixture = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../test/fixtures/documents/run-v1.json',
);

describe('outputFolder', () => {
  it('is the folder the run was started with, unless the command names another', () => {
    const run = { id: 'r-1', outDir: '/work/out' };
    expect(outputFolder(run)).toBe('/work/out');
    expect(outputFolder(run, 'elsewhere')).toBe(path.resolve('elsewhere'));
  });

  it('is ./arbor-out/RUN for a run started without --out, and for one stored before the folder was kept', async () => {
    expect(outputFolder({ id: 'r-1', outDir: null })).toBe(path.resolve('arbor-out', 'r-1'));
    const legacy = parseRun(JSON.parse(await readFile(fixture, 'utf8')), 'run-v1.json');
    expect(legacy.outDir).toBeUndefined();
    expect(outputFolder(legacy)).toBe(path.resolve('arbor-out', 'run-20250101-web-shop'));
  });
});
