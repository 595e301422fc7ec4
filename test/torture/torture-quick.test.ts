import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../support/cli.js';
import { mongoTestUri } from '../support/mongodb-test-database.js';
import { defaultSeed, quickSettings } from './run-torture.js';
import type { StoreTarget } from './stored-run.js';
import { tortureStore } from './torture-store.js';

/** Reference run, run and six resumes one after the other: well past the default 30 s on a busy machine. */
const manyProcesses = { timeout: 180_000 };

/**
 * The reduced crash torture CI runs (`npm run torture -- --quick`): six kill -9 points per store on
 * a 40-node synthetic tree, each followed by a resume, until the run completes.
 */
describe(`crash torture, reduced (seed ${defaultSeed})`, () => {
  const targets: StoreTarget[] = [{ kind: 'embedded' }];
  if (mongoTestUri !== undefined) targets.push({ kind: 'mongodb', uri: mongoTestUri });

  it.each(targets.map((target) => [target.kind, target] as const))(
    'on the %s store: no completed node re-executed, none lost, every transition legal, the same tree as without crashes',
    manyProcesses,
    async (_kind, target) => {
      const report = await tortureStore(target, {
        ...quickSettings,
        seed: defaultSeed,
        workDir: await makeTempDir('arbor-torture-'),
      });
      expect(report.violations).toEqual([]);
      expect(report.kills).toBe(quickSettings.kills);
      expect(report.resumes).toBeGreaterThanOrEqual(quickSettings.kills);
    },
  );
});
