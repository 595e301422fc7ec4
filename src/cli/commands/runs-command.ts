import type { Command } from 'commander';
// Not api/index.js: the bundled command would load all of the api (and its YAML and Handlebars) with it.
import { runTotals } from '../../api/run-totals.js';
import { openStore } from '../../store/index.js';
import { print, type CommonFlags } from '../command-context.js';
import { renderRunTotals } from '../stats-view.js';

/** `arbor runs [--json] [--stats]`: lists runs, newest first; `--stats` adds totals across them. */
export function registerRunsCommand(program: Command): void {
  program
    .command('runs')
    .description('list runs, newest first')
    .option('--json', 'print the run documents as JSON (with --stats: { runs, totals })')
    .option('--stats', 'add totals across runs: cost per day, failure rate, median run time')
    .action(async (flags: CommonFlags & { json?: boolean; stats?: boolean }) => {
      const store = await openStore(flags.store);
      try {
        const runs = await store.listRuns();
        if (flags.json) {
          print(JSON.stringify(flags.stats ? { runs, totals: runTotals(runs) } : runs, null, 2));
          return;
        }
        if (runs.length === 0) {
          print(`No runs in ${store.location}. Start one with: arbor run --prompt "…"`);
          return;
        }
        for (const run of runs) {
          const prompt = run.prompt.length > 50 ? `${run.prompt.slice(0, 49)}…` : run.prompt;
          print(`${run.id}  ${run.status.padEnd(17)}  ${run.createdAt.slice(0, 19).replace('T', ' ')}  ${String(run.nodeCount).padStart(5)} nodes  ${prompt}${run.schedule ? `  [schedule ${run.schedule.name}]` : ''}`);
        }
        if (flags.stats) renderRunTotals(runTotals(runs)).forEach((line) => print(line));
      } finally {
        await store.close();
      }
    });
}
