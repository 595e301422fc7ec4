import type { Command } from 'commander';
import { runHistory, type Checkpoint } from '../../api/run-history.js';
import { openStore } from '../../store/index.js';
import { print, storeArgument, type CommonFlags } from '../command-context.js';
import { formatTable } from '../format-table.js';

interface HistoryFlags extends CommonFlags {
  node?: string;
  json?: boolean;
}

/**
 * `arbor history RUN [--node NODE] [--json]`: the run's stored transitions as numbered checkpoints,
 * oldest first; `arbor resume RUN --from-node NODE` does a settled node's part again.
 */
export function registerHistoryCommand(program: Command): void {
  program
    .command('history')
    .description(
      "a run's stored transitions as numbered checkpoints: time, node, from → to status, by whom and why",
    )
    .argument('<run>', 'run id')
    .option('--node <node>', "only this node's checkpoints (numbers stay those of the whole run)")
    .option('--json', 'print { runId, nodeId, checkpoints } as JSON')
    .action(async (runId: string, flags: HistoryFlags) => {
      const store = await openStore(flags.store);
      try {
        const history = await runHistory(
          store,
          runId,
          flags.node === undefined ? {} : { nodeId: flags.node },
        );
        if (flags.json) {
          print(JSON.stringify(history, null, 2));
          return;
        }
        if (history.checkpoints.length === 0) {
          print(`No checkpoints stored for ${flags.node ? `node ${flags.node} of ` : ''}run ${runId}.`);
          return;
        }
        const rows = [
          ['#', 'time', 'node', 'change', 'by', 'why'],
          ...history.checkpoints.map(checkpointRow),
        ];
        formatTable(rows, ['right']).forEach((line) => print(line.trimEnd()));
        print('');
        const storeFlag = storeArgument(flags);
        print(
          `Do a settled node again (its subtree and what depends on it): arbor resume ${runId}${storeFlag ? ` ${storeFlag}` : ''} --from-node NODE`,
        );
      } finally {
        await store.close();
      }
    });
}

function checkpointRow(point: Checkpoint): string[] {
  const title = point.path.length > 0 ? point.path.join(' › ') : point.title;
  return [
    String(point.number),
    point.at.slice(0, 19).replace('T', ' '),
    `${point.nodeId} ${oneLine(title, 48)}`,
    `${point.type}: ${point.from ?? '—'} → ${point.to}`,
    point.by,
    oneLine(point.reason ?? '', 72),
  ];
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
