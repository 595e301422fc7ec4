import path from 'node:path';
import type { Command } from 'commander';
import { getRun, outputFolder, prepareResume } from '../../api/index.js';
import { openStore } from '../../store/index.js';
import { print, progressSettings, storeArgument, type CommonFlags, type ProgressFlags } from '../command-context.js';
import { startCliTracing } from '../cli-tracing.js';
import { driveRun } from '../drive-run.js';
import { exitCodes } from '../exit-codes.js';
import { createLogger, logDirFor } from '../logger.js';
import { limitsFrom, type LimitFlags } from '../parse-options.js';
import { addLimitOptions, addRunOptions } from './shared-options.js';

interface ResumeFlags extends CommonFlags, LimitFlags, ProgressFlags {
  llm?: string;
  agents?: string;
  prompts?: string;
  out?: string;
  traceContent?: boolean;
  fromNode?: string;
}

/** `arbor resume RUN`: continues a run from its stored state, with the settings it started with. */
export function registerResumeCommand(program: Command, setExitCode: (code: number) => void): void {
  const command = program.command('resume').description('continue a run from its stored state').argument('<run>', 'run id');
  command.option(
    '--from-node <node>',
    "do this settled node again: its subtree, the nodes that depend on it and the roll-ups above it (other completed nodes are kept; see arbor history RUN)",
  );
  addRunOptions(command);
  addLimitOptions(command);
  command.action(async (runId: string, flags: ResumeFlags) => {
    const store = await openStore(flags.store);
    const tracing = await startCliTracing({ content: flags.traceContent });
    try {
      const stored = await getRun(store, runId);
      if (stored.status === 'completed' && flags.fromNode === undefined) {
        print(`Run ${runId} is already completed.`);
        const storeFlag = storeArgument(flags);
        print(`Do a node of it again: arbor resume ${runId}${storeFlag ? ` ${storeFlag}` : ''} --from-node NODE`);
        setExitCode(exitCodes.completed);
        return;
      }
      const ready = await prepareResume({
        store,
        runId,
        ...(flags.fromNode === undefined ? {} : { fromNode: flags.fromNode }),
        llm: flags.llm,
        agents: flags.agents,
        prompts: flags.prompts,
        outDir: flags.out,
        limits: limitsFrom(flags, stored.limits),
        providerConcurrency: flags.providerConcurrency,
        trace: tracing.trace,
      });
      const logger = createLogger({ verbose: Boolean(flags.verbose), logDir: logDirFor(store), runId });
      setExitCode(
        await driveRun({
          ready,
          announce: `Resuming run ${runId}${flags.fromNode === undefined ? '' : ` from node ${flags.fromNode}`} (${store.kind} store at ${store.location}).`,
          ...progressSettings(flags),
          verbose: Boolean(flags.verbose),
          outDir: outputFolder({ id: runId, outDir: flags.out === undefined ? stored.outDir : path.resolve(flags.out) }),
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
