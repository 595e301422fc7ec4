import path from 'node:path';
import type { Command } from 'commander';
import { UsageError, type Run } from '../../domain/index.js';
import { openStore, type Store } from '../../store/index.js';
import { print, progressSettings, storeArgument, type CommonFlags, type ProgressFlags } from '../command-context.js';
import { driveRun } from '../drive-run.js';
import { exitCodes } from '../exit-codes.js';
import { checkCostLimit } from '../check-cost-limit.js';
import { createLogger, logDirFor } from '../logger.js';
import { outputFolder } from '../output-folder.js';
import { limitsFrom, type LimitFlags } from '../parse-options.js';
import { prepareAgents } from '../prepare-run.js';
import { rereadNotes } from '../reread-notes.js';
import { addLimitOptions, addRunOptions } from './shared-options.js';

interface ResumeFlags extends CommonFlags, LimitFlags, ProgressFlags {
  llm?: string;
  agents?: string;
  prompts?: string;
  out?: string;
}

/** `arbor resume RUN`: continues a run from its stored state, with the settings it started with. */
export function registerResumeCommand(program: Command, setExitCode: (code: number) => void): void {
  const command = program.command('resume').description('continue a run from its stored state').argument('<run>', 'run id');
  addRunOptions(command);
  addLimitOptions(command);
  command.action(async (runId: string, flags: ResumeFlags) => {
    const store = await openStore(flags.store);
    try {
      const stored = await requireRun(store, runId);
      if (stored.status === 'completed') {
        print(`Run ${runId} is already completed.`);
        setExitCode(exitCodes.completed);
        return;
      }
      const llm = flags.llm ?? stored.llm;
      const prepared = await prepareAgents({
        agentsDir: flags.agents ?? stored.agentsDir,
        promptsDir: flags.prompts ?? stored.promptsDir,
        llm,
      });
      const limits = limitsFrom(flags, stored.limits);
      // A new --out is kept on the run, like new limits, for the resumes after this one.
      const outDir = flags.out === undefined ? stored.outDir : path.resolve(flags.out);
      checkCostLimit(limits.maxCostUsd, prepared.modelFor);
      const notes = await rereadNotes(stored);
      const logger = createLogger({ verbose: Boolean(flags.verbose), logDir: logDirFor(store), runId });
      setExitCode(
        await driveRun({
          store,
          run: stored,
          patch: { llm, limits, ...(flags.out === undefined ? {} : { outDir }) },
          announce: `Resuming run ${runId} (${store.kind} store at ${store.location}).`,
          prepared,
          notes,
          ...progressSettings(flags),
          verbose: Boolean(flags.verbose),
          outDir: outputFolder({ id: runId, outDir }),
          reopenFailed: stored.status === 'failed' || stored.status === 'cancelled',
          logger,
          storeArgument: storeArgument(flags),
          providerConcurrency: flags.providerConcurrency,
        }),
      );
    } finally {
      await store.close();
    }
  });
}

/** The run, or a usage error that says how to find run ids. */
export async function requireRun(store: Store, runId: string): Promise<Run> {
  const run = await store.getRun(runId);
  if (!run)
    throw new UsageError(`no run "${runId}" in ${store.location}`, {
      hint: 'list runs with `arbor runs` (and pass the same --store the run used)',
    });
  return run;
}
