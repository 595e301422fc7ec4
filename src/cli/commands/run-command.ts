import type { Command } from 'commander';
import { checkRun, findPlan, outputFolder } from '../../api/index.js';
import { UsageError } from '../../domain/index.js';
import { openStore } from '../../store/index.js';
import {
  print,
  progressSettings,
  storeArgument,
  type CommonFlags,
  type ProgressFlags,
} from '../command-context.js';
import { startCliTracing } from '../cli-tracing.js';
import { driveRun } from '../drive-run.js';
import { createLogger, logDirFor } from '../logger.js';
import { limitsFrom, type LimitFlags } from '../parse-options.js';
import { plansOption, setOption } from './plan-command.js';
import { addLimitOptions, addRunOptions } from './shared-options.js';

interface RunFlags extends CommonFlags, LimitFlags, ProgressFlags {
  prompt?: string;
  notes?: string[];
  llm?: string;
  agents?: string;
  prompts?: string;
  out?: string;
  detach?: boolean;
  traceContent?: boolean;
  plan?: string;
  plans?: string;
  set?: Record<string, string>;
}

/** `arbor run`: starts a run, shows progress, asks for approvals on a terminal (DESIGN §5). */
export function registerRunCommand(program: Command, setExitCode: (code: number) => void): void {
  const command = program
    .command('run')
    .description('start a run: plan, sequence, execute, check and approve a tree of work')
    .option('-p, --prompt <text>', 'what to build')
    .option('-n, --notes <files...>', 'notes files (markdown) that describe what to build')
    .option(
      '--plan <file|name>',
      'run a plan you wrote (YAML or JSON), or one of the plans folder (arbor plan list)',
    )
    .option(...setOption)
    .option(...plansOption)
    .option('--detach', 'create the run and leave it to workers (arbor worker; MongoDB only)');
  addRunOptions(command);
  addLimitOptions(command);
  command.action(async (flags: RunFlags) => {
    // Spans start once the run is stored (below), so a failure before that has nothing to flush.
    const tracing = await startCliTracing({ content: flags.traceContent });
    const checked = await checkRun({
      prompt: flags.prompt ?? '',
      ...(flags.plan === undefined ? {} : { plan: await findPlan(flags.plan, flags.plans) }),
      ...(flags.set === undefined ? {} : { params: flags.set }),
      notes: flags.notes ?? [],
      llm: flags.llm,
      agents: flags.agents,
      prompts: flags.prompts,
      outDir: flags.out,
      limits: limitsFrom(flags),
      providerConcurrency: flags.providerConcurrency,
      trace: tracing.trace,
      ...(flags.detach ? { detach: true } : {}),
    });
    const store = await openStore(flags.store);
    try {
      if (flags.detach && store.kind !== 'mongodb')
        throw new UsageError('a detached run is left to workers, and workers share runs through MongoDB', {
          hint: 'pass --store mongodb://HOST/DB (or set MONGODB_URI), or run without --detach',
        });
      const ready = await checked.create(store);
      const { run } = ready;
      if (flags.detach) {
        ready.leave();
        print(`Run ${run.id} created (${store.kind} store at ${store.location}); workers will run it.`);
        const onStore = storeArgument(flags) ? ` ${storeArgument(flags)}` : '';
        print(`Start workers (on any machine that reaches the database): arbor worker${onStore} [--run ${run.id}]`);
        print(`Watch: arbor tree ${run.id}${onStore}   arbor workers${onStore}`);
        return;
      }
      const logger = createLogger({
        verbose: Boolean(flags.verbose),
        logDir: logDirFor(store),
        runId: run.id,
      });
      setExitCode(
        await driveRun({
          ready,
          announce: `Run ${run.id} started (${store.kind} store at ${store.location}).`,
          ...progressSettings(flags),
          verbose: Boolean(flags.verbose),
          outDir: outputFolder(run),
          logger,
          storeArgument: storeArgument(flags),
        }),
      );
    } finally {
      await tracing.shutdown();
      await store.close();
    }
  });
}
