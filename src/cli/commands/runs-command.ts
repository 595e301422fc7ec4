import type { Command } from 'commander';
import { openStore } from '../../store/index.js';
import { print, type CommonFlags } from '../command-context.js';

/** `arbor runs [--json]`: lists runs, newest first. */
export function registerRunsCommand(program: Command): void {
  program
    .command('runs')
    .description('list runs, newest first')
    .option('--json', 'print the run documents as JSON')
    .action(async (flags: CommonFlags & { json?: boolean }) => {
      const store = await openStore(flags.store);
      try {
        const runs = await store.listRuns();
        if (flags.json) {
          print(JSON.stringify(runs, null, 2));
          return;
        }
        if (runs.length === 0) {
          print(`No runs in ${store.location}. Start one with: arbor run --prompt "…"`);
          return;
        }
        for (const run of runs) {
          const prompt = run.prompt.length > 50 ? `${run.prompt.slice(0, 49)}…` : run.prompt;
          print(`${run.id}  ${run.status.padEnd(17)}  ${run.createdAt.slice(0, 19).replace('T', ' ')}  ${String(run.nodeCount).padStart(5)} nodes  ${prompt}`);
        }
      } finally {
        await store.close();
      }
    });
}
