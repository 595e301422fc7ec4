import { hostname } from 'node:os';
import type winston from 'winston';
import type { NoteText } from '../agents/index.js';
import { totalTokens, type Run, type RunPatch } from '../domain/index.js';
import { cancelRun, RunEngine, type EngineEvent } from '../engine/index.js';
import type { Store } from '../store/index.js';
import { engineEventFields, engineEventJson } from './engine-event-fields.js';
import { exitCodes } from './exit-codes.js';
import { ApprovalPrompter } from './interactive-approvals.js';
import { LiveView } from './live-view.js';
import { personName } from './person-name.js';
import { roleLimitNotices } from './role-limit-notices.js';
import type { PreparedAgents } from './prepare-run.js';
import { formatEngineEvent } from './progress-printer.js';

/** How progress is shown: a redrawn live view (terminal), plain lines, or JSON lines. */
export type ProgressMode = 'live' | 'plain' | 'json';

/** Options of {@link driveRun}. */
export interface DriveRunOptions {
  store: Store;
  run: Run;
  /** Changes to the stored run (resume's overrides), applied only once this process holds the run. */
  patch?: RunPatch;
  /** Printed once this process holds the run. */
  announce: string;
  prepared: PreparedAgents;
  notes: readonly NoteText[];
  /** A person is at the terminal: ask for approvals as they come up, and use colour. */
  interactive: boolean;
  progress: ProgressMode;
  verbose: boolean;
  outDir: string;
  reopenFailed: boolean;
  /** Most calls in flight per provider (`--provider-concurrency`); none named: no limit of their own. */
  providerConcurrency?: Readonly<Record<string, number>>;
  logger: winston.Logger;
  /** How the user names the store in commands we suggest (`--store X`), or '' for the default. */
  storeArgument: string;
  /** Prints a line for people (standard output, or standard error with `--json`). */
  print: (line: string) => void;
  /** Writes raw text to standard output (the live view's frames, `--json` lines). */
  write: (text: string) => void;
  /** How often to look for `arbor cancel` from another process. */
  cancelPollMs?: number;
}

/** Drives a run in this process (for `run` and `resume`) and returns the exit status. */
export async function driveRun(options: DriveRunOptions): Promise<number> {
  const { store, logger, print } = options;
  const owner = `${hostname()}:${process.pid}`;
  const lock = await store.acquireRun(options.run.id, owner);
  const store_ = options.storeArgument ? ` ${options.storeArgument}` : '';
  const resumeHint = `Continue later with: arbor resume ${options.run.id}${store_}`;
  let failed = false;
  let held: string[] | null = null;
  let live: LiveView | null = null;
  /** Lines for people: above the live frame, or held while a prompt is open. */
  const say = (line: string) => (live ? live.log(line) : held ? held.push(line) : print(line));

  let engine: RunEngine | undefined;
  let interrupt: () => void = () => undefined;
  const prompter = options.interactive
    ? new ApprovalPrompter({
        decide: (nodeId, decision) => engine!.decide(nodeId, decision),
        lookup: (id) => engine?.state.get(id),
        by: personName(),
        print,
        onInterrupt: () => interrupt(),
        onPromptOpen: (open) => {
          if (live) return open ? live.pause() : live.resume();
          if (open) held = [];
          else {
            const lines = held ?? [];
            held = null;
            lines.forEach(print);
          }
        },
      })
    : null;

  const onEvent = (event: EngineEvent) => {
    logger.debug(event.type, engineEventFields(event));
    if (options.progress === 'json') options.write(`${engineEventJson(event)}\n`);
    else if (live) {
      live.update(event);
      if (isWorthALine(event)) {
        const line = formatEngineEvent(event, { color: options.interactive, verbose: options.verbose });
        if (line !== null) live.log(line);
      }
    } else {
      const line = formatEngineEvent(event, { color: options.interactive, verbose: options.verbose });
      if (line !== null) say(line);
    }
    if (event.type === 'approval-request') prompter?.request(event.node);
    // A decision made elsewhere (another terminal, `arbor approve`) closes this node's open prompt.
    if (event.type === 'node-transition' && event.event.from === 'awaiting_approval')
      prompter?.withdraw(event.node.id, `node ${event.node.id} was decided elsewhere (${event.node.approval?.decision?.action ?? event.node.status})`);
  };

  try {
    const run = options.patch ? await store.updateRun(options.run.id, options.patch) : options.run;
    print(options.announce);
    roleLimitNotices(options.prepared.agents, run.limits.concurrency).forEach(print);
    const nodes = await store.listNodes(run.id);
    engine = new RunEngine(
      {
        store,
        run,
        agents: options.prepared.agents,
        templates: options.prepared.templates,
        modelFor: options.prepared.modelFor,
        notes: options.notes,
        owner,
        waitForApprovals: options.interactive,
        outDir: options.outDir,
        reopenFailed: options.reopenFailed,
        providerConcurrency: options.providerConcurrency,
        onEvent,
      },
      nodes,
    );
    if (options.progress === 'live') {
      live = new LiveView({
        terminal: { write: options.write, rows: () => process.stdout.rows || 24, columns: () => process.stdout.columns || 80 },
        run,
        nodes,
        color: options.interactive,
      });
    }
    const running = engine;
    interrupt = onInterrupt(running, say, resumeHint);
    const cancelled = watchForCancel(store, run.id, running, options.cancelPollMs ?? 500);
    const stopListening = listenForSignals(interrupt);
    let outcome = await running.drive().finally(() => {
      stopListening();
      cancelled.stop();
    });
    live?.stop();
    live = null;
    if (cancelled.reason() !== null) {
      prompter?.closeAll('the run was cancelled');
      await cancelRun({ store, runId: run.id, actor: owner, reason: cancelled.reason()! });
      outcome = { ...outcome, run: (await store.getRun(run.id)) ?? outcome.run };
    }
    await prompter?.idle();
    return report(outcome.run, running.state.count('awaiting_approval'), options);
  } catch (error) {
    failed = true;
    live?.stop();
    throw error;
  } finally {
    // After a failure (often the store itself), releasing is best effort: its own error must not
    // replace the one that stopped the run. A lease left behind expires, or dies with this process.
    await lock.release().catch((error: unknown) => {
      if (!failed) throw error;
    });
  }
}

/** Events that keep a line above the live frame: what a person should not miss. */
function isWorthALine(event: EngineEvent): boolean {
  if (event.type === 'node-transition') return event.node.status === 'failed';
  return event.type === 'call-retry' || event.type === 'sequence-fallback' || event.type === 'budget-stop';
}

function report(run: Run, waiting: number, options: DriveRunOptions): number {
  const { print } = options;
  const store = options.storeArgument ? ` ${options.storeArgument}` : '';
  const totals = `${run.nodeCount} nodes, ${run.usage.calls} LLM calls, ${totalTokens(run.usage)} tokens${run.usage.costUsd === null ? '' : `, $${run.usage.costUsd.toFixed(4)}`}`;
  switch (run.status) {
    case 'completed':
      print(`Run ${run.id} completed (${totals}).`);
      print(`See the tree: arbor tree ${run.id}${store}   Results: ${options.outDir}`);
      return exitCodes.completed;
    case 'awaiting_approval':
      print(`Run ${run.id} is waiting for ${waiting} approval${waiting === 1 ? '' : 's'} (${totals}).`);
      print(`Decide: arbor approve ${run.id}${store} [NODE] [--reject] [--comment TEXT]`);
      print(`Then continue: arbor resume ${run.id}${store}`);
      return exitCodes.awaitingApproval;
    default: {
      const reason = run.stopReason?.message ?? 'unknown reason';
      print(`Run ${run.id} ${run.status}: ${reason} (${totals}).`);
      if (run.stopReason?.kind === 'budget') print(`Continue with a higher limit: arbor resume ${run.id}${store} --max-… N`);
      else print(`Inspect: arbor tree ${run.id}${store}   Retry: arbor resume ${run.id}${store}`);
      return exitCodes.failed;
    }
  }
}

/** First Ctrl-C stops new work and lets calls finish; a second exits at once (stored work is safe). */
function onInterrupt(engine: RunEngine, say: (line: string) => void, resumeHint: string): () => void {
  let count = 0;
  return () => {
    count++;
    if (count === 1) {
      say(`Stopping: no new work starts; waiting up to 5 s for calls in flight. Press Ctrl-C again to quit now. ${resumeHint}`);
      engine.stop('interrupted by the user');
    } else {
      process.stdout.write(`\nQuit. Everything finished so far is stored. ${resumeHint}\n`);
      process.exit(130);
    }
  };
}

function listenForSignals(handler: () => void): () => void {
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/**
 * Notices `arbor cancel` from another process: it marks the stored run cancelled, and this process
 * stops starting work. Only a cancel written after this drive began counts (a cancelled run being
 * resumed starts out cancelled).
 */
function watchForCancel(store: Store, runId: string, engine: RunEngine, pollMs: number): { stop(): void; reason(): string | null } {
  const since = new Date().toISOString();
  let reason: string | null = null;
  let busy = false;
  const timer = setInterval(() => {
    if (busy || reason !== null) return;
    busy = true;
    store
      .getRun(runId)
      .then((run) => {
        if (run?.status === 'cancelled' && run.stopReason?.kind === 'cancelled' && run.updatedAt > since && reason === null) {
          reason = run.stopReason.message;
          engine.stop(reason);
        }
      })
      .catch(() => undefined)
      .finally(() => (busy = false));
  }, pollMs);
  timer.unref();
  return { stop: () => clearInterval(timer), reason: () => reason };
}
