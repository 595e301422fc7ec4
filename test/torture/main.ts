import { parseArgs } from 'node:util';
import { defaultSeed, formatTortureReport, fullSettings, quickSettings, runTorture } from './run-torture.js';

/**
 * `npm run torture [-- --quick] [--seed N] [--kills N] [--nodes N] [--delay-ms N] [--no-mongodb] [--keep]`:
 * the crash torture of issue 6 (see test/torture/README.md). Exits 1 on any violation.
 */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      seed: { type: 'string' },
      kills: { type: 'string' },
      nodes: { type: 'string' },
      'delay-ms': { type: 'string' },
      'no-mongodb': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(
      'usage: npm run torture -- [--quick] [--seed N] [--kills N] [--nodes N] [--delay-ms N] [--no-mongodb] [--keep]\n' +
        'Kills arbor run/resume with SIGKILL at seeded moments on the embedded store (and on MongoDB when\n' +
        'MONGODB_URI is set) until each run completes; exits 1 on any violation. See test/torture/README.md.',
    );
    return 0;
  }
  const base = values.quick ? quickSettings : fullSettings;
  const number = (text: string | undefined, fallback: number, name: string): number => {
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 0)
      throw new Error(`--${name} needs a whole number, not "${text}"`);
    return value;
  };
  const kills = number(values.kills, base.kills, 'kills');
  const mongodbUri = values['no-mongodb'] ? undefined : process.env.MONGODB_URI?.trim() || undefined;
  const settings = {
    seed: number(values.seed, defaultSeed, 'seed'),
    kills,
    killsPerRun: Math.min(kills, base.killsPerRun),
    nodes: number(values.nodes, base.nodes, 'nodes'),
    delayMs: number(values['delay-ms'], base.delayMs, 'delay-ms'),
    mongodbUri,
    keep: values.keep,
    log: (line: string) => console.log(line),
  };
  if (!mongodbUri) console.log('MONGODB_URI not set: torturing the embedded store only');
  const started = Date.now();
  const report = await runTorture(settings);
  console.log(formatTortureReport(report));
  console.log(`runtime: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return report.passed ? 0 : 1;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(`torture: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 2;
  },
);
