import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { repoRoot } from './support/cli.js';
import { mongoSkipNotice } from './support/mongodb-skip-reporter.js';

it('says under the summary line that the MongoDB tests were skipped, and how to run them', async () => {
  const env = { ...process.env };
  delete env.MONGODB_URI;
  const vitest = path.join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs');
  const { stdout } = await promisify(execFile)(process.execPath, [vitest, 'run', 'test/mongodb/lost-connection.test.ts'], { cwd: repoRoot, env });
  const summary = stdout.lastIndexOf('Test Files');
  expect(summary).toBeGreaterThan(-1);
  expect(stdout.slice(summary)).toContain(mongoSkipNotice);
});
