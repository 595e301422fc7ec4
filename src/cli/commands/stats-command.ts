import type { Command } from 'commander';
import { runStats } from '../../api/run-stats.js';
import { openStore } from '../../store/index.js';
import { print, type CommonFlags } from '../command-context.js';
import { renderRunStats } from '../stats-view.js';

/** `arbor stats RUN [--json]`: where a run's time and money went. */
export function registerStatsCommand(program: Command): void {
  program
    .command('stats')
    .description(
      "where a run's time and money went: wall time against its lower bound, the critical path, the slowest nodes, calls, tokens and cost by role, model and top-level task, checks, retries, re-asks and time waiting for people",
    )
    .argument('<run>', 'run id')
    .option('--json', 'print the numbers as JSON')
    .action(async (runId: string, flags: CommonFlags & { json?: boolean }) => {
      const store = await openStore(flags.store);
      try {
        const stats = await runStats(store, runId);
        if (flags.json) {
          print(JSON.stringify(stats, null, 2));
          return;
        }
        renderRunStats(stats).forEach((line) => print(line));
      } finally {
        await store.close();
      }
    });
}
