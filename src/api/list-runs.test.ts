import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../../test/support/cli.js';
import { UsageError, type Run } from '../domain/index.js';
import { openStore } from '../store/index.js';
import { at, sampleRun } from '../../test/support/sample-documents.js';
import { listRuns } from './queries.js';

describe('listRuns', () => {
  it('refuses options a store would answer wrongly, and pages with good ones', async () => {
    const store = await openStore(await makeTempDir());
    try {
      for (const second of [1, 2, 3]) {
        const { run, root } = sampleRun({ id: `run-${second}`, createdAt: at(second) });
        await store.createRun(run, root);
      }
      const refusals: Array<[Parameters<typeof listRuns>[1], RegExp]> = [
        [{ limit: -2 }, /^limit -2 is not a whole number above 0$/],
        [{ limit: 1.5 }, /^limit 1.5 is not a whole number above 0$/],
        [{ status: 'bogus' as Run['status'] }, /^no run status "bogus"$/],
        [{ after: 'run-2' as unknown as Run }, /^after is not a run$/],
      ];
      for (const [options, message] of refusals) {
        const error: unknown = await listRuns(store, options).catch((caught: unknown) => caught);
        expect(error, JSON.stringify(options)).toBeInstanceOf(UsageError);
        expect((error as Error).message).toMatch(message);
      }
      const first = await listRuns(store, { limit: 2 });
      expect(first.map((run) => run.id)).toEqual(['run-3', 'run-2']);
      expect((await listRuns(store, { after: first.at(-1)!, limit: 2 })).map((run) => run.id)).toEqual(['run-1']);
    } finally {
      await store.close();
    }
  });
});
