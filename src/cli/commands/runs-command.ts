import { InvalidArgumentError, type Command } from 'commander';
// Not api/index.js: the bundled command would load all of the api (and its YAML and Handlebars) with it.
import { runTotals } from '../../api/run-totals.js';
import { runStatusSchema, type RunStatus } from '../../domain/index.js';
import { openStore } from '../../store/index.js';
import { print, type CommonFlags } from '../command-context.js';
import { positiveInteger } from '../parse-options.js';
import { renderRunTotals } from '../stats-view.js';

interface RunsFlags extends CommonFlags {
  json?: boolean;
  stats?: boolean;
  status?: RunStatus;
  limit?: number;
}

/** Parses `--status`: one run status. */
function runStatus(value: string): RunStatus {
  const parsed = runStatusSchema.safeParse(value.trim());
  if (!parsed.success)
    throw new InvalidArgumentError(
      `"${value}" is not a run status; use ${runStatusSchema.options.join(', ')}.`,
    );
  return parsed.data;
}

/**
 * `arbor runs [--json] [--stats] [--status S] [--limit N]`: lists runs, newest first; `--stats`
 * adds totals across the runs listed. The store reads only the runs asked for.
 */
export function registerRunsCommand(program: Command): void {
  program
    .command('runs')
    .description('list runs, newest first')
    .option('--json', 'print the run documents as JSON (with --stats: { runs, totals })')
    .option('--stats', 'add totals across the runs listed: cost per day, failure rate, median run time')
    .option('--status <status>', `only runs in this state (${runStatusSchema.options.join(', ')})`, runStatus)
    .option('--limit <n>', 'only the newest N runs', positiveInteger)
    .action(async (flags: RunsFlags) => {
      const store = await openStore(flags.store);
      try {
        const { status, limit } = flags;
        // One more than asked for, to tell a person that older runs were left out.
        const read = await store.listRuns({
          ...(status ? { status } : {}),
          ...(limit ? { limit: limit + 1 } : {}),
        });
        const runs = limit ? read.slice(0, limit) : read;
        if (flags.json) {
          print(JSON.stringify(flags.stats ? { runs, totals: runTotals(runs) } : runs, null, 2));
          return;
        }
        if (runs.length === 0) {
          print(
            status
              ? `No ${status} runs in ${store.location}.`
              : `No runs in ${store.location}. Start one with: arbor run --prompt "…"`,
          );
          return;
        }
        for (const run of runs) {
          const prompt = run.prompt.length > 50 ? `${run.prompt.slice(0, 49)}…` : run.prompt;
          print(
            `${run.id}  ${run.status.padEnd(17)}  ${run.createdAt.slice(0, 19).replace('T', ' ')}  ${String(run.nodeCount).padStart(5)} nodes  ${prompt}${run.schedule ? `  [schedule ${run.schedule.name}]` : ''}`,
          );
        }
        if (read.length > runs.length)
          print(`The newest ${runs.length} shown; older runs left out (raise --limit to see them).`);
        if (flags.stats) renderRunTotals(runTotals(runs)).forEach((line) => print(line));
      } finally {
        await store.close();
      }
    });
}
