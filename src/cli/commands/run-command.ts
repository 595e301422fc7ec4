import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../domain/index.js';
import { createRun } from '../../engine/index.js';
import { openStore } from '../../store/index.js';
import { print, progressSettings, storeArgument, type CommonFlags, type ProgressFlags } from '../command-context.js';
import { driveRun } from '../drive-run.js';
import { resolveLlmSpec } from '../llm-spec.js';
import { checkCostLimit } from '../check-cost-limit.js';
import { createLogger, logDirFor } from '../logger.js';
import { limitsFrom, type LimitFlags } from '../parse-options.js';
import { outputFolder } from '../output-folder.js';
import { noteTexts, prepareAgents } from '../prepare-run.js';
import { readNotes } from '../read-notes.js';
import { addLimitOptions, addRunOptions } from './shared-options.js';

interface RunFlags extends CommonFlags, LimitFlags, ProgressFlags {
  prompt?: string;
  notes?: string[];
  llm?: string;
  agents?: string;
  prompts?: string;
  out?: string;
  detach?: boolean;
}

/** `arbor run`: starts a run, shows progress, asks for approvals on a terminal (DESIGN §5). */
export function registerRunCommand(program: Command, setExitCode: (code: number) => void): void {
  const command = program
    .command('run')
    .description('start a run: plan, sequence, execute, check and approve a tree of work')
    .option('-p, --prompt <text>', 'what to build')
    .option('-n, --notes <files...>', 'notes files (markdown) that describe what to build')
    .option('--detach', 'create the run and leave it to workers (arbor worker; MongoDB only)');
  addRunOptions(command);
  addLimitOptions(command);
  command.action(async (flags: RunFlags) => {
    const prompt = flags.prompt?.trim() ?? '';
    if (prompt === '')
      throw new UsageError('the prompt is empty', { hint: 'pass --prompt "what to build", e.g. --prompt "Build a todo app"' });
    const notes = await readNotes(flags.notes ?? []);
    const llm = resolveLlmSpec(flags.llm);
    const prepared = await prepareAgents({ agentsDir: flags.agents, promptsDir: flags.prompts, llm });
    const limits = limitsFrom(flags);
    checkCostLimit(limits.maxCostUsd, prepared.modelFor);
    const store = await openStore(flags.store);
    try {
      if (flags.detach && store.kind !== 'mongodb')
        throw new UsageError('a detached run is left to workers, and workers share runs through MongoDB', {
          hint: 'pass --store mongodb://HOST/DB (or set MONGODB_URI), or run without --detach',
        });
      const { run } = await createRun({
        store,
        prompt,
        notes: notes.map((note) => note.ref),
        llm,
        agentsDir: prepared.agentsDir,
        promptsDir: prepared.promptsDir,
        limits,
        outDir: flags.out === undefined ? null : path.resolve(flags.out),
      });
      if (flags.detach) {
        print(`Run ${run.id} created (${store.kind} store at ${store.location}); workers will run it.`);
        print(`Start workers (on any machine that reaches the database): arbor worker${storeArgument(flags) ? ` ${storeArgument(flags)}` : ''} [--run ${run.id}]`);
        print(`Watch: arbor tree ${run.id}   arbor workers`);
        return;
      }
      const logger = createLogger({ verbose: Boolean(flags.verbose), logDir: logDirFor(store), runId: run.id });
      setExitCode(
        await driveRun({
          store,
          run,
          announce: `Run ${run.id} started (${store.kind} store at ${store.location}).`,
          prepared,
          notes: noteTexts(notes),
          ...progressSettings(flags),
          verbose: Boolean(flags.verbose),
          outDir: outputFolder(run),
          reopenFailed: false,
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
