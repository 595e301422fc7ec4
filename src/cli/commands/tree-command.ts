import type { Command } from 'commander';
import { openStore } from '../../store/index.js';
import { print, type CommonFlags } from '../command-context.js';
import { assembleTree, renderTree } from '../tree-view.js';
import { requireRun } from './resume-command.js';

/** `arbor tree RUN [--json]`: the tree with statuses. */
export function registerTreeCommand(program: Command): void {
  program
    .command('tree')
    .description('show a run as a tree with statuses')
    .argument('<run>', 'run id')
    .option('--json', 'print { runId, status, root } with nested children')
    .action(async (runId: string, flags: CommonFlags & { json?: boolean }) => {
      const store = await openStore(flags.store);
      try {
        const run = await requireRun(store, runId);
        const root = assembleTree(run, await store.listNodes(runId));
        if (flags.json) {
          print(JSON.stringify({ runId, status: run.status, root }, null, 2));
          return;
        }
        print(`Run ${runId}  ${run.status}  ${run.nodeCount} nodes  ${run.usage.calls} calls`);
        renderTree(root, { color: Boolean(process.stdout.isTTY) }).forEach((line) => print(line));
      } finally {
        await store.close();
      }
    });
}
