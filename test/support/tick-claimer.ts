import { openEmbeddedStore } from '../../src/store/index.js';

/**
 * Claims ticks 1…COUNT (seconds after 2026-01-01T00:00Z) of one schedule of an embedded store, as one
 * of several processes sharing its folder, and prints `won TICK` for each claim this process won.
 *
 * Usage: node --import tsx test/support/tick-claimer.ts STORE_DIR SCHEDULE COUNT
 */
const [directory, name, count] = process.argv.slice(2);
if (!directory || !name || !count) throw new Error('usage: tick-claimer.ts STORE_DIR SCHEDULE COUNT');
const store = await openEmbeddedStore(directory);
for (let second = 1; second <= Number(count); second++) {
  const tick = new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();
  if (await store.claimScheduleTick(name, { kind: 'fire', tick, skipped: 0 })) process.stdout.write(`won ${tick}\n`);
}
await store.close();
