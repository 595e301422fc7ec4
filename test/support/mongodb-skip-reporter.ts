import type { Reporter } from 'vitest/node';

/** The line printed under the test summary when MongoDB tests were skipped. */
export const mongoSkipNotice =
  'MongoDB tests skipped: MONGODB_URI is not set. Run them with: eval "export $(bash .ci/mongo-server/start.sh)" && npm test';

/**
 * Vitest reporter placed after the default one: without `MONGODB_URI`, says under the summary line
 * that the MongoDB suites were skipped and how to start the local test server, so a green run on a
 * laptop is not mistaken for a full one.
 */
export default class MongoSkipReporter implements Reporter {
  onTestRunEnd(): void {
    if (!process.env.MONGODB_URI?.trim()) process.stdout.write(`\n${mongoSkipNotice}\n`);
  }
}
