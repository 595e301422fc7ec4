import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { StoreTarget } from './stored-run.js';
import { tortureStore, type StoreReport, type TortureOptions } from './torture-store.js';

/** The seed when none is given: the same kill plan on every machine. */
export const defaultSeed = 20_251_121;

/** Settings of a whole torture: which stores, how hard. */
export interface TortureSettings {
  seed: number;
  /** Kill points per store. */
  kills: number;
  killsPerRun: number;
  nodes: number;
  delayMs: number;
  /** The MongoDB server to torture as well; the embedded store is always tortured. */
  mongodbUri?: string;
  /** Keep the scratch directory (stores, call logs, scripts) for a look afterwards. */
  keep?: boolean;
  log?: (line: string) => void;
}

/** The full torture (`npm run torture`): at least 50 kill points per store over two trees. */
export const fullSettings = { kills: 50, killsPerRun: 25, nodes: 60, delayMs: 20 } as const;
/** The reduced torture CI runs (`--quick` and test/torture/torture-quick.test.ts). */
export const quickSettings = { kills: 6, killsPerRun: 6, nodes: 40, delayMs: 20 } as const;

/** What the torture found on every store. */
export interface TortureReport {
  seed: number;
  stores: StoreReport[];
  workDir: string;
  /** True when no store showed any violation. */
  passed: boolean;
}

/** Runs the torture on the embedded store, then on MongoDB when a URI is given. */
export async function runTorture(settings: TortureSettings): Promise<TortureReport> {
  const workDir = realpathSync(mkdtempSync(path.join(tmpdir(), 'arbor-torture-')));
  const targets: StoreTarget[] = [{ kind: 'embedded' }];
  if (settings.mongodbUri) targets.push({ kind: 'mongodb', uri: settings.mongodbUri });
  const stores: StoreReport[] = [];
  try {
    for (const target of targets) {
      const options: TortureOptions = { ...settings, workDir };
      stores.push(await tortureStore(target, options));
    }
  } finally {
    const passed = stores.every((store) => store.violations.length === 0);
    if (!settings.keep && passed) rmSync(workDir, { recursive: true, force: true });
  }
  return {
    seed: settings.seed,
    stores,
    workDir,
    passed: stores.every((store) => store.violations.length === 0),
  };
}

/** The summary the torture prints: one line per store, the totals and the verdict. */
export function formatTortureReport(report: TortureReport): string {
  const lines = [`crash torture, seed ${report.seed}`];
  for (const store of report.stores)
    lines.push(
      `  ${store.store.padEnd(8)} ${store.runs} runs (${store.nodes} nodes), ${store.kills} kills, ${store.resumes} resumes, ` +
        `${store.calls} calls (${store.referenceCalls} uncrashed), ${store.remadeCalls} re-made for in-flight nodes, ` +
        `${store.violations.length} violations, ${store.seconds.toFixed(1)} s`,
    );
  const total = (field: 'kills' | 'resumes' | 'remadeCalls') =>
    report.stores.reduce((sum, store) => sum + store[field], 0);
  lines.push(
    `  total    ${total('kills')} kills, ${total('resumes')} resumes, ${total('remadeCalls')} calls re-made for in-flight nodes`,
  );
  const violations = report.stores.flatMap((store) =>
    store.violations.map((violation) => `  - ${store.store}: ${violation}`),
  );
  if (violations.length > 0)
    lines.push('violations:', ...violations, `(scratch files kept in ${report.workDir})`);
  lines.push(
    report.passed
      ? 'verdict: PASS (no completed node re-executed, no node lost, every stored transition legal, final trees identical to uncrashed runs)'
      : 'verdict: FAIL',
  );
  return lines.join('\n');
}
