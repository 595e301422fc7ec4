import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { openStore, type Store } from '../../store/index.js';
import { print, type CommonFlags } from '../command-context.js';
import { formatLogLine } from '../format-log-line.js';
import { logDirFor } from '../logger.js';
import { requireRun } from './resume-command.js';

interface LogsFlags extends CommonFlags {
  follow?: boolean;
  json?: boolean;
}

const followPollMs = 200;

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
        await requireRun(store, runId);
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
        await follow(store, runId, tail, show);
      } finally {
        await store.close();
      }
    });
}

/** How long the log may stay unchanged after the run stopped before we stop waiting for its last line. */
const settleMs = 3000;

/**
 * Prints new lines until the run is no longer running and its log has its `run-end` line (written
 * just after the run's status), or has been quiet for a while (a process that died writes none).
 */
async function follow(store: Store, runId: string, tail: LogTail, show: (line: string) => void): Promise<void> {
  let quietSince: number | null = null;
  let ended = false;
  for (;;) {
    const run = await store.getRun(runId);
    const lines = tail.read();
    lines.forEach(show);
    ended ||= lines.some((line) => line.includes('"type":"run-end"'));
    if (run?.status !== 'running') {
      if (ended) return;
      if (lines.length > 0 || quietSince === null) quietSince = Date.now();
      else if (Date.now() - quietSince >= settleMs) return;
    } else ended = false;
    await new Promise((resolve) => setTimeout(resolve, followPollMs));
  }
}

/** Reads a growing text file by offset, complete lines only. */
class LogTail {
  private offset = 0;
  private partial = '';

  constructor(private readonly file: string) {}

  read(): string[] {
    if (!existsSync(this.file)) return [];
    const fd = openSync(this.file, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size < this.offset) this.offset = 0;
      if (size === this.offset) return [];
      const buffer = Buffer.alloc(size - this.offset);
      const read = readSync(fd, buffer, 0, buffer.length, this.offset);
      this.offset += read;
      const text = this.partial + buffer.subarray(0, read).toString('utf8');
      const lines = text.split('\n');
      this.partial = lines.pop() ?? '';
      return lines.filter((line) => line.trim() !== '');
    } finally {
      closeSync(fd);
    }
  }
}
