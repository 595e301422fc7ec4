import { hostname } from 'node:os';
import type winston from 'winston';
import type { NoteText } from '../agents/index.js';
import { totalTokens, type Run, type RunPatch } from '../domain/index.js';
import { RunEngine, type EngineEvent } from '../engine/index.js';
import type { Store } from '../store/index.js';
import { exitCodes } from './exit-codes.js';
import { ApprovalPrompter } from './interactive-approvals.js';
import { personName } from './person-name.js';
import type { PreparedAgents } from './prepare-run.js';
import { formatEngineEvent } from './progress-printer.js';

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
  /** On a terminal: show progress in colour and ask for approvals as they come up. */
  interactive: boolean;
  verbose: boolean;
  outDir: string;
  reopenFailed: boolean;
  logger: winston.Logger;
  /** How the user names the store in commands we suggest (`--store X`), or '' for the default. */
  storeArgument: string;
  print: (line: string) => void;
}

/** Drives a run in this process (for `run` and `resume`) and returns the exit status. */
export async function driveRun(options: DriveRunOptions): Promise<number> {
  const { store, logger, print } = options;
  const owner = `${hostname()}:${process.pid}`;
  const lock = await store.acquireRun(options.run.id, owner);
  let failed = false;
  let held: string[] | null = null;
  const show = (line: string) => (held ? held.push(line) : print(line));

  let engine: RunEngine | undefined;
  const prompter = options.interactive
    ? new ApprovalPrompter({
        decide: (nodeId, decision) => engine!.decide(nodeId, decision),
        lookup: (id) => engine?.state.get(id),
        by: personName(),
        print,
        onPromptOpen: (open) => {
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
    logger.debug(event.type, logFields(event));
    const line = formatEngineEvent(event, { color: options.interactive, verbose: options.verbose });
    if (line !== null) show(line);
    if (event.type === 'approval-request') prompter?.request(event.node);
  };

  try {
    const run = options.patch ? await store.updateRun(options.run.id, options.patch) : options.run;
    print(options.announce);
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
        onEvent,
      },
      await store.listNodes(run.id),
    );
    const stopOnSignal = onInterrupt(engine, print);
    const outcome = await engine.drive().finally(stopOnSignal);
    await prompter?.idle();
    return report(outcome.run, engine.state.count('awaiting_approval'), options);
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    // After a failure (often the store itself), releasing is best effort: its own error must not
    // replace the one that stopped the run. A lease left behind expires, or dies with this process.
    await lock.release().catch((error: unknown) => {
      if (!failed) throw error;
    });
  }
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
function onInterrupt(engine: RunEngine, print: (line: string) => void): () => void {
  let count = 0;
  const handler = () => {
    count++;
    if (count === 1) {
      print('Stopping: no new work starts; waiting up to 5 s for calls in flight. Press Ctrl-C again to quit now.');
      engine.stop('interrupted by the user');
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

function logFields(event: EngineEvent): Record<string, unknown> {
  switch (event.type) {
    case 'node-create':
    case 'node-transition':
      return { ...event.event, title: event.node.title };
    case 'call-start':
    case 'call-end':
    case 'call-retry':
      return { nodeId: event.node.id, role: event.role, attempt: event.attempt, ...('usage' in event ? { usage: event.usage, error: event.error } : {}) };
    case 'sequence-fallback':
    case 'approval-request':
      return { nodeId: event.node.id, ...('reason' in event ? { reason: event.reason } : {}) };
    default:
      return { ...event };
  }
}
