import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomInt, seededRandom, type Random } from '../../bench/seeded-random.js';
import type { TaskNode } from '../../src/domain/index.js';
import { readCallLog } from '../../src/llm/scripted/index.js';
import { printedRunId, runArbor, sleep, startArbor, type ArborProcess } from './arbor-process.js';
import { allowedMoves, checkTransitions } from './legal-transitions.js';
import { dropStore, readStoredRun, storeSpecFor, type StoreTarget, type StoredRun } from './stored-run.js';
import {
  checkNothingLost,
  checkNoWorkRedone,
  compareWithReference,
  countRemadeCalls,
} from './torture-checks.js';
import { tortureScript } from './torture-script.js';

/** Options of {@link tortureStore}. */
export interface TortureOptions {
  /** Seeds the trees and the kill plan: the same seed replays the same kills. */
  seed: number;
  /** Kill points on this store. */
  kills: number;
  /** Most kill points spent on one run; the rest go to further runs of other trees. */
  killsPerRun: number;
  /** Nodes per synthetic tree. */
  nodes: number;
  /** Latency of each scripted call. */
  delayMs: number;
  /** Scratch directory (runs, stores, call logs, scripts). */
  workDir: string;
  /** Longest any one CLI process may take before it counts as hung. */
  processTimeoutMs?: number;
  log?: (line: string) => void;
}

/** What the torture of one store found. */
export interface StoreReport {
  store: StoreTarget['kind'];
  runs: number;
  nodes: number;
  kills: number;
  resumes: number;
  /** Model calls of the crashed runs, and of their uncrashed references. */
  calls: number;
  referenceCalls: number;
  /** Calls made again after a kill because the killed process had them in flight. */
  remadeCalls: number;
  seconds: number;
  violations: string[];
}

/**
 * Crash torture of one store (issue 6): runs recorded synthetic trees through `arbor run`, kills the
 * process with SIGKILL at seeded moments and resumes it with `arbor resume` until the run completes.
 * After every kill it reads the store in this process and checks that no completed work was redone,
 * no stored node was lost and every stored transition is one `transition` allows; at the end, that the
 * tree equals the one an uncrashed run of the same script built.
 */
export async function tortureStore(target: StoreTarget, options: TortureOptions): Promise<StoreReport> {
  const started = Date.now();
  const report: StoreReport = {
    store: target.kind,
    runs: 0,
    nodes: 0,
    kills: 0,
    resumes: 0,
    calls: 0,
    referenceCalls: 0,
    remadeCalls: 0,
    seconds: 0,
    violations: [],
  };
  const random = seededRandom(options.seed * 31 + (target.kind === 'mongodb' ? 1 : 0));
  while (report.runs === 0 || report.kills < options.kills) {
    const killsBefore = report.kills;
    await tortureRun(target, options, random, report);
    // A run that needed no kill (it was too quick) would loop forever; so would a broken one.
    if (report.kills === killsBefore || report.violations.length > 0) break;
  }
  report.seconds = (Date.now() - started) / 1000;
  return report;
}

async function tortureRun(
  target: StoreTarget,
  options: TortureOptions,
  random: Random,
  report: StoreReport,
): Promise<void> {
  const index = report.runs;
  report.runs += 1;
  const log = options.log ?? (() => undefined);
  const runDir = path.join(options.workDir, target.kind, `run-${index + 1}`);
  mkdirSync(runDir, { recursive: true });
  const script = tortureScript({
    nodes: options.nodes,
    seed: options.seed + index * 7919,
    delayMs: options.delayMs,
  });
  const scriptPath = path.join(runDir, 'tree.json');
  writeFileSync(scriptPath, script.text);
  report.nodes += script.tree.nodes.length;

  const label = `${options.seed}_${index + 1}_${randomBytes(4).toString('hex')}`;
  const referenceSpec = storeSpecFor(target, path.join(runDir, 'reference-store'), `${label}_ref`);
  const spec = storeSpecFor(target, path.join(runDir, 'store'), label);
  const violations = new Set<string>();
  const violate = (message: string) => {
    if (!violations.has(message)) log(`  VIOLATION ${message}`);
    violations.add(message);
  };
  try {
    const reference = await referenceRun({
      scriptPath,
      prompt: script.prompt,
      spec: referenceSpec,
      runDir,
      timeoutMs: options.processTimeoutMs,
    });
    report.referenceCalls += reference.calls;
    for (const violation of checkTransitions(reference.stored.events, reference.stored.nodes, moves))
      violate(`uncrashed run, node ${violation.nodeId}: ${violation.message}`);

    const killsHere = Math.min(options.kills - report.kills, options.killsPerRun);
    log(
      `${target.kind} run ${index + 1}: ${script.tree.nodes.length} nodes, ${reference.calls} calls uncrashed, ` +
        `${killsHere} kills`,
    );
    const callLog = path.join(runDir, 'calls.jsonl');
    const common = ['--llm', `script:${scriptPath}`, '--store', spec, '--out', path.join(runDir, 'out')];
    const env = { ARBOR_SCRIPT_LOG: callLog };
    let runId: string | null = null;
    let atKill: TaskNode[] = [];
    let offset = 0;
    let killed = 0;
    let answered = 0;
    for (;;) {
      const killing = killed < killsHere;
      // Spread the kills left over the calls left: the reference's calls not made yet, plus the
      // ones a kill cuts off and the resume makes again (up to the concurrency, 8 by default).
      const callsLeft = Math.max(1, reference.calls - answered) + inFlightPerKill;
      const gap = killing ? randomInt(random, 0, Math.floor((2 * callsLeft) / (killsHere - killed + 1))) : 0;
      const extraMs = killing ? randomInt(random, 0, 2 * options.delayMs) : 0;
      const args =
        runId === null ? ['run', '--prompt', script.prompt, ...common] : ['resume', runId, ...common];
      if (runId !== null) report.resumes += 1;
      const child = startArbor(args, { cwd: runDir, env });
      const timer = setTimeout(() => child.child.kill('SIGKILL'), options.processTimeoutMs ?? 180_000);
      const didKill =
        killing && (await killAt(child, { callLog, from: offset, gap, extraMs, needsRunId: runId === null }));
      const exit = await child.exited;
      clearTimeout(timer);
      runId ??= printedRunId(exit.stdout);
      if (runId === null) {
        violate(`arbor run printed no run id (exit ${exit.code ?? exit.signal}): ${exit.stderr.trim()}`);
        return;
      }

      const calls = readCallLog(callLog);
      const after = calls.slice(offset);
      const stored = await readStoredRun(spec, runId);
      for (const message of checkNoWorkRedone(atKill, after)) violate(message);
      for (const message of checkNothingLost(atKill, stored.nodes)) violate(message);
      for (const violation of checkTransitions(stored.events, stored.nodes, moves))
        violate(`node ${violation.nodeId}: ${violation.message}`);
      report.remadeCalls += countRemadeCalls(calls.slice(0, offset), after);

      if (didKill && exit.signal === 'SIGKILL') {
        killed += 1;
        report.kills += 1;
        log(
          `  kill ${report.kills} (${runId}, ${gap} calls + ${extraMs} ms into ${args[0]}): ` +
            `${count(stored, 'completed')}/${reference.stored.nodes.length} completed, ${stored.nodes.length} stored, ${count(stored, 'running')} running`,
        );
        atKill = stored.nodes;
        offset = calls.length;
        answered = new Set(calls.map((call) => `${call.nodeId} ${call.role} ${call.attempt}`)).size;
        continue;
      }
      report.calls += calls.length;
      if (exit.code !== 0) {
        violate(
          `${args[0]} of ${runId} exited ${exit.code ?? exit.signal} instead of completing:\n${exit.stdout.slice(-2000)}${exit.stderr}`,
        );
        return;
      }
      if (stored.run?.status !== 'completed')
        violate(`run ${runId} exited 0 but is stored ${stored.run?.status ?? 'missing'}`);
      for (const message of compareWithReference(reference.stored.nodes, stored.nodes)) violate(message);
      log(`  ${runId} completed after ${killed} kills: ${calls.length} calls (${reference.calls} uncrashed)`);
      return;
    }
  } finally {
    report.violations.push(...violations);
    await dropStore(target, referenceSpec).catch(() => undefined);
    await dropStore(target, spec).catch(() => undefined);
  }
}

const moves = allowedMoves();
/** The CLI's default concurrency: about how many calls a kill leaves to be made again. */
const inFlightPerKill = 8;

/** The reference: the same script run once without a crash. */
async function referenceRun(options: {
  scriptPath: string;
  prompt: string;
  spec: string;
  runDir: string;
  timeoutMs?: number;
}): Promise<{ stored: StoredRun; calls: number }> {
  const callLog = path.join(options.runDir, 'reference-calls.jsonl');
  const args = [
    'run',
    '--prompt',
    options.prompt,
    '--llm',
    `script:${options.scriptPath}`,
    '--store',
    options.spec,
  ];
  const exit = await runArbor([...args, '--out', path.join(options.runDir, 'reference-out')], {
    cwd: options.runDir,
    env: { ARBOR_SCRIPT_LOG: callLog },
  });
  const runId = printedRunId(exit.stdout);
  if (exit.code !== 0 || runId === null)
    throw new Error(`the uncrashed run failed (exit ${exit.code}):\n${exit.stdout}${exit.stderr}`);
  return { stored: await readStoredRun(options.spec, runId), calls: readCallLog(callLog).length };
}

/**
 * Waits until the process has made `gap` model calls (by the call log, from line `from`) — or, for
 * a gap of 0, until it has said anything — then `extraMs` more, and kills it with SIGKILL. A
 * `run` is never killed before it printed its run id (the torture needs it to resume). Returns
 * false when the process ended by itself first.
 */
async function killAt(
  child: ArborProcess,
  plan: { callLog: string; from: number; gap: number; extraMs: number; needsRunId: boolean },
): Promise<boolean> {
  for (;;) {
    if (child.done()) return false;
    const spoke = plan.needsRunId ? printedRunId(child.stdout()) !== null : child.stdout().length > 0;
    if (spoke && (plan.gap === 0 || countLines(plan.callLog) - plan.from >= plan.gap)) break;
    await sleep(5);
  }
  if (plan.extraMs > 0) await sleep(plan.extraMs);
  if (child.done()) return false;
  child.child.kill('SIGKILL');
  return true;
}

function countLines(file: string): number {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return 0;
  }
  let lines = 0;
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) lines += 1;
  return lines;
}

function count(stored: StoredRun, status: TaskNode['status']): number {
  return stored.nodes.filter((node) => node.status === status).length;
}
