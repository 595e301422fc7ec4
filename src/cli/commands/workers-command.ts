import type { Command } from 'commander';
import { liveWorkerWithinMs } from '../../api/refuse-worked-run.js';
import { openStore } from '../../store/index.js';
import { print, type CommonFlags } from '../command-context.js';

/** `arbor workers [--json]`: live workers (recent heartbeat) and what each is running. */
export function registerWorkersCommand(program: Command): void {
  program
    .command('workers')
    .description('list live workers and the calls each is running')
    .option('--json', 'print the heartbeat documents as JSON')
    .action(async (flags: CommonFlags & { json?: boolean }) => {
      const store = await openStore(flags.store);
      try {
        const workers = await store.listWorkers(liveWorkerWithinMs);
        if (flags.json) {
          print(JSON.stringify(workers, null, 2));
          return;
        }
        if (workers.length === 0) {
          print(`No live workers on ${store.location}. Start one with: arbor worker --store URI`);
          return;
        }
        for (const worker of workers) {
          const since = worker.startedAt.slice(0, 19).replace('T', ' ');
          print(`${worker.id}  pid ${worker.pid} on ${worker.host}  since ${since}  roles ${worker.roles.join(',')}  ${worker.running.length} running`);
          for (const task of worker.running) print(`  ${task.runId}  node ${task.nodeId}  ${task.role}`);
        }
      } finally {
        await store.close();
      }
    });
}
