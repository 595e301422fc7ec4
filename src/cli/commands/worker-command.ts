import { hostname } from 'node:os';
import { InvalidArgumentError, type Command } from 'commander';
import { agentRoles, UsageError, type AgentRole } from '../../domain/index.js';
import { openStore } from '../../store/index.js';
import { print, type CommonFlags } from '../command-context.js';
import { positiveInteger } from '../parse-options.js';
import { runWorker } from '../../api/index.js';
import { formatEngineEvent } from '../progress-printer.js';
import { startCliTracing } from '../cli-tracing.js';
import { providerConcurrencyOption, traceContentOption } from './shared-options.js';

interface WorkerFlags extends CommonFlags {
  concurrency?: number;
  providerConcurrency?: Record<string, number>;
  roles?: AgentRole[];
  id?: string;
  run?: string;
  leaseMs?: number;
  graceMs?: number;
  llm?: string;
  out?: string;
  traceContent?: boolean;
  schedules: boolean;
}

/**
 * `arbor worker`: one of any number of processes, on any machines, that share the runs stored in one
 * MongoDB (README "Scaling out with workers"). Exits 0 after SIGTERM or SIGINT once its in-flight
 * nodes are finished or released.
 */
export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('work on open runs alongside other workers sharing one MongoDB')
    .option('-c, --concurrency <n>', "LLM calls in flight at once, per run (default: the run's --concurrency)", positiveInteger)
    .option('--roles <roles>', `agents this worker runs, comma-separated (default: ${agentRoles.join(',')})`, (value: string) => {
      try {
        return parseRoles(value);
      } catch (error) {
        throw new InvalidArgumentError((error as Error).message);
      }
    })
    .option('--id <name>', 'worker name, unique among the workers (default: HOST:PID)')
    .option('--run <run>', 'work only this run, and exit when it is over')
    .option('--lease-ms <ms>', 'how long a claim lasts without renewal; a dead worker’s nodes are taken back after it (default 30000)', positiveInteger)
    .option('--grace-ms <ms>', 'on SIGTERM: how long calls in flight may finish before their nodes are released (default 10000)', positiveInteger)
    .option('--llm <spec>', "model for every run, instead of each run's own --llm")
    .option(...providerConcurrencyOption)
    .option(...traceContentOption)
    .option('--no-schedules', 'fire no schedules (arbor schedule) from this worker')
    .option(
      '--out <dir>',
      "output folder for artifacts: with --run, that run's; otherwise DIR/RUN for each run (default: each run's own --out, else ./arbor-out/RUN)",
    )
    .action(async (flags: WorkerFlags) => {
      const store = await openStore(flags.store);
      try {
        if (store.kind !== 'mongodb')
          throw new UsageError(`workers share runs through MongoDB; ${store.location} is the embedded store`, {
            hint: 'pass --store mongodb://HOST/DB (or set MONGODB_URI) here and to arbor run --detach',
          });
        if (flags.run !== undefined && (await store.getRun(flags.run)) === null)
          throw new UsageError(`no run "${flags.run}" in ${store.location}`, { hint: 'list runs with `arbor runs`' });
        let onSignal: (signal: NodeJS.Signals) => void = () => undefined;
        const stopped = new Promise<string>((resolve) => (onSignal = (signal) => resolve(`received ${signal}`)));
        process.once('SIGTERM', onSignal);
        process.once('SIGINT', onSignal);
        const tracing = await startCliTracing({ content: flags.traceContent });
        try {
          await runWorker({
            store,
            id: flags.id ?? `${hostname()}:${process.pid}`,
            roles: flags.roles ?? agentRoles,
            concurrency: flags.concurrency ?? null,
            providerConcurrency: flags.providerConcurrency,
            leaseMs: flags.leaseMs ?? 30_000,
            runId: flags.run ?? null,
            llm: flags.llm ?? null,
            outDir: flags.out ?? null,
            graceMs: flags.graceMs ?? 10_000,
            print,
            onEvent: (runId, event) => {
              const line = formatEngineEvent(event, { color: false, verbose: Boolean(flags.verbose) });
              if (line !== null) print(`${runId} ${line}`);
            },
            stopped,
            trace: tracing.trace,
            ...(flags.schedules ? {} : { schedules: false as const }),
          });
        } finally {
          await tracing.shutdown();
          process.off('SIGTERM', onSignal);
          process.off('SIGINT', onSignal);
        }
      } finally {
        await store.close();
      }
    });
}

/** Parses `--roles planner,executor`. */
function parseRoles(value: string): AgentRole[] {
  const roles = value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  for (const role of roles)
    if (!(agentRoles as readonly string[]).includes(role))
      throw new Error(`"${role}" is not an agent role; use ${agentRoles.join(', ')}`);
  return roles as AgentRole[];
}
