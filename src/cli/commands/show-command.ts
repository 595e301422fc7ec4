import type { Command } from 'commander';
import { openStore } from '../../store/index.js';
import { print, type CommonFlags } from '../command-context.js';
import { renderNodeReport } from '../node-report.js';
import { getNode } from '../../api/queries.js';

/** `arbor show RUN NODE [--json]`: one node's full record, with every prompt and answer. */
export function registerShowCommand(program: Command): void {
  program
    .command('show')
    .description("one node's full record: description, approval, attempts and checks, result, artifacts, usage, timings, events, and the prompt each role was sent with its answer")
    .argument('<run>', 'run id')
    .argument('<node>', 'node id (see arbor tree RUN)')
    .option('--json', 'print { node, events, calls, pendingApproval } as JSON')
    .action(async (runId: string, nodeId: string, flags: CommonFlags & { json?: boolean }) => {
      const store = await openStore(flags.store);
      try {
        const record = await getNode(store, runId, nodeId);
        if (flags.json) {
          print(JSON.stringify(record, null, 2));
          return;
        }
        const { node, events, calls } = record;
        const nodes = await store.listNodes(runId);
        const byId = new Map(nodes.map((entry) => [entry.id, entry]));
        const lines = renderNodeReport({ node, events, calls, lookup: (id) => byId.get(id), color: Boolean(process.stdout.isTTY) });
        lines.forEach((line) => print(line));
      } finally {
        await store.close();
      }
    });
}
