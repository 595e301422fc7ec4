import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { openStore } from '../../store/index.js';
import { print, type CommonFlags } from '../command-context.js';
import { followLog, LogTail } from '../follow-log.js';
import { formatLogLine } from '../format-log-line.js';
import { logDirFor } from '../logger.js';
import { getRun } from '../../api/queries.js';

interface LogsFlags extends CommonFlags {
  follow?: boolean;
  json?: boolean;
}

/** `arbor logs RUN [--follow]`: the run's JSON-lines log, readable; `--follow` tails it until the run ends. */
export function registerLogsCommand(program: Command): void {
  program
    .command('logs')
    .description("print a run's log readably (--follow: keep printing until the run ends)")
    .argument('<run>', 'run id')
    .option('-f, --follow', 'keep printing new lines until the run stops running')
    .option('--json', 'print the raw JSON lines')
    .action(async (runId: string, flags: LogsFlags) => {
      const store = await openStore(flags.store);
      try {
        await getRun(store, runId);
        const file = path.join(logDirFor(store), `${runId}.jsonl`);
        const show = (line: string) => print(flags.json ? line : formatLogLine(line, { color: Boolean(process.stdout.isTTY) }));
        const tail = new LogTail(file);
        if (!flags.follow) {
          if (!existsSync(file)) {
            print(`No log for run ${runId} at ${file} (logs are written where the run was driven).`);
            return;
          }
          tail.read().forEach(show);
          return;
        }
        await followLog({ store, runId, tail, show });
      } finally {
        await store.close();
      }
    });
}
