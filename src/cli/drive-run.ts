import type winston from 'winston';
import { pendingApprovals, personName, type ReadyRun, type RunHandle } from '../api/index.js';
import { totalTokens, type Run } from '../domain/index.js';
import type { EngineEvent } from '../engine/index.js';
import { continueWithHigherLimit } from './continue-with-higher-limit.js';
import { engineEventFields, engineEventJson } from './engine-event-fields.js';
import { exitCodes } from './exit-codes.js';
import { ApprovalPrompter } from './interactive-approvals.js';
import { LiveView } from './live-view.js';
import { formatEngineEvent } from './progress-printer.js';
import { runnableHints } from './runnable-hints.js';

/** How progress is shown: a redrawn live view (terminal), plain lines, or JSON lines. */
export type ProgressMode = 'live' | 'plain' | 'json';

/** Options of {@link driveRun}. */
export interface DriveRunOptions {
  /** Takes the run and starts driving it (a new run's `start`, or a resume's). */
  ready: ReadyRun;
  /** Printed once this process holds the run. */
  announce: string;
  /** A person is at the terminal: ask for approvals as they come up, and use colour. */
  interactive: boolean;
  progress: ProgressMode;
  verbose: boolean;
  outDir: string;
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

/** Drives a run in this process (for `run` and `resume`) through the library API and returns the exit status. */
export async function driveRun(options: DriveRunOptions): Promise<number> {
  const { logger, print } = options;
  const store_ = options.storeArgument ? ` ${options.storeArgument}` : '';
  const resumeHint = runnableHints(`Continue later with: arbor resume ${options.ready.run.id}${store_}`);
  let held: string[] | null = null;
  let live: LiveView | null = null;
  /** Lines for people: above the live frame, or held while a prompt is open. */
  const say = (line: string) => (live ? live.log(line) : held ? held.push(line) : print(line));

  // Set once the run is taken; the prompter needs it only after the first approval request.
  // eslint-disable-next-line prefer-const
  let handle: RunHandle | undefined;
  let interrupt: () => void = () => undefined;
  const prompter = options.interactive
    ? new ApprovalPrompter({
        decide: (nodeId, decision) =>
          handle!.decide(nodeId, decision).then(
            () => ({ success: true as const, value: undefined }),
            (error: unknown) => ({ success: false as const, error: (error as Error).message }),
          ),
        lookup: (id) => handle?.node(id),
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
      prompter?.withdraw(
        event.node.id,
        `node ${event.node.id} was decided elsewhere (${event.node.approval?.decision?.action ?? event.node.status})`,
      );
  };

  handle = await options.ready.start({
    waitForApprovals: options.interactive,
    onEvent,
    cancelPollMs: options.cancelPollMs,
  });
  const running = handle;
  // The drive begins on the next turn of the event loop: the announcement and the live view come first.
  print(options.announce);
  options.ready.notices.forEach(print);
  if (options.progress === 'live') {
    live = new LiveView({
      terminal: {
        write: options.write,
        rows: () => process.stdout.rows || 24,
        columns: () => process.stdout.columns || 80,
      },
      run: running.run,
      nodes: running.nodes(),
      color: options.interactive,
    });
  }
  interrupt = onInterrupt(running, say, resumeHint);
  const stopListening = listenForSignals(interrupt);
  try {
    const outcome = await running.done.finally(stopListening);
    live?.stop();
    live = null;
    if (running.cancelledBecause !== null) prompter?.closeAll('the run was cancelled');
    await prompter?.idle();
    return report(outcome.run, pendingApprovals(running.nodes()).length, options);
  } catch (error) {
    live?.stop();
    throw error;
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
      const higherLimit = continueWithHigherLimit(run, store);
      if (higherLimit) print(higherLimit);
      else print(`Inspect: arbor tree ${run.id}${store}   Retry: arbor resume ${run.id}${store}`);
      return exitCodes.failed;
    }
  }
}

/** First Ctrl-C stops new work and lets calls finish; a second exits at once (stored work is safe). */
function onInterrupt(run: RunHandle, say: (line: string) => void, resumeHint: string): () => void {
  let count = 0;
  return () => {
    count++;
    if (count === 1) {
      say(
        `Stopping: no new work starts; waiting up to 5 s for calls in flight. Press Ctrl-C again to quit now. ${resumeHint}`,
      );
      run.stop('interrupted by the user');
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
