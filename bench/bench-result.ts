import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BenchEnvironment } from './bench-environment.js';
import type { BenchStoreKind } from './bench-store.js';
import type { Verdict } from './verdict.js';

/** What every benchmark gets: the sizes to use and the stores to run on. */
export interface BenchContext {
  /** Small sizes, for development. */
  quick: boolean;
  stores: readonly BenchStoreKind[];
  environment: BenchEnvironment;
  log: (line: string) => void;
}

/** One benchmark's figures, as written to `bench/results/<name>.json`. */
export interface BenchResult {
  name: string;
  /** What it measures, one sentence. */
  measures: string;
  environment: BenchEnvironment;
  quick: boolean;
  parameters: Record<string, unknown>;
  rows: Array<Record<string, unknown>>;
  verdicts: Verdict[];
}

const resultsDir = path.resolve(import.meta.dirname, 'results');

/** Writes a result to `bench/results/<name>.json` (`<name>.quick.json` for quick runs); returns the path. */
export async function writeBenchResult(result: BenchResult): Promise<string> {
  await mkdir(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${result.name}${result.quick ? '.quick' : ''}.json`);
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}
