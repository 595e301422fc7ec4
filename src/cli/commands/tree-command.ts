import type { Command } from 'commander';
import type { NodeStatus, Run } from '../../domain/index.js';
import { openStore } from '../../store/index.js';
import { print, storeArgument, type CommonFlags } from '../command-context.js';
import { continueWithHigherLimit } from '../continue-with-higher-limit.js';
import { formatUsage } from '../format-usage.js';
import { nodeStatuses, nonNegativeInteger } from '../parse-options.js';
import { renderTree } from '../tree-view.js';
// Not api/index.js: the bundled command would load all of the api (and its YAML and Handlebars) with it.
import { getRun, getTree } from '../../api/queries.js';

interface TreeFlags extends CommonFlags {
  json?: boolean;
  depth?: number;
  status?: NodeStatus[];
}

const stopLabels: Record<NonNullable<Run['stopReason']>['kind'], string> = {
  budget: 'Stopped by a limit',
  failure: 'Failed',
  cancelled: 'Cancelled',
};

/** `arbor tree RUN [--json] [--depth N] [--status S[,S]]`: the tree with statuses. */
export function registerTreeCommand(program: Command): void {
  program
    .command('tree')
    .description('show a run as a tree with statuses, attempts and tokens/cost (subtree totals on parents)')
    .argument('<run>', 'run id')
    .option('--json', 'print { runId, status, root } with nested children')
    .option('--depth <n>', 'show nodes down to this depth (root = 0)', nonNegativeInteger)
    .option('--status <s[,s]>', 'show only nodes with these statuses (and their ancestors)', nodeStatuses)
    .action(async (runId: string, flags: TreeFlags) => {
      const store = await openStore(flags.store);
      try {
        const run = await getRun(store, runId);
        const tree = await getTree(store, runId);
        if (flags.json) {
          print(JSON.stringify(tree, null, 2));
          return;
        }
        const { root } = tree;
        print(`Run ${runId}  ${run.status}  ${run.nodeCount} nodes  ${run.usage.calls} calls  ${formatUsage(run.usage)}`);
        // Why a run that ended unfinished stopped: for a limit, which one and the flag that raises it.
        if (run.stopReason && run.status !== 'running') {
          print(`${stopLabels[run.stopReason.kind]}: ${run.stopReason.message}`);
          const higherLimit = continueWithHigherLimit(run, flags.store ? ` ${storeArgument(flags)}` : '');
          if (higherLimit) print(higherLimit);
        }
        const filter = { depth: flags.depth, statuses: flags.status };
        // One write for the whole tree, not one per node.
        const lines = renderTree(root, { color: Boolean(process.stdout.isTTY), filter });
        if (lines.length > 0) print(lines.join('\n'));
      } finally {
        await store.close();
      }
    });
}
