import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import type { Store } from '../store/index.js';

/** Options of {@link followLog}. */
export interface FollowLogOptions {
  store: Pick<Store, 'getRun'>;
  runId: string;
  tail: LogTail;
  show: (line: string) => void;
  /** How often to look for new lines and the run's status (default 200 ms). */
  pollMs?: number;
  /** How long the log may stay unchanged after the run stopped before we stop waiting for its last line (default 3 s). */
  settleMs?: number;
}

/**
 * Prints new lines until the run is no longer running and its log has its `run-end` line (written
 * just after the run's status), or has been quiet for a while (a process that died writes none).
 */
export async function followLog(options: FollowLogOptions): Promise<void> {
  const { store, runId, tail, show } = options;
  const pollMs = options.pollMs ?? 200;
  const settleMs = options.settleMs ?? 3000;
  let quietSince: number | null = null;
  let ended = false;
  for (;;) {
    // The lines first, then the status: a `run-end` line read here was written after the status it
    // follows, so the status read next is at least as new. (The other way round, a run that ended
    // between the two reads looked still running, and its `run-end` was taken for a previous drive's.)
    const lines = tail.read();
    const run = await store.getRun(runId);
    lines.forEach(show);
    ended ||= lines.some((line) => line.includes('"type":"run-end"'));
    if (run?.status !== 'running') {
      if (ended) return;
      if (lines.length > 0 || quietSince === null) quietSince = Date.now();
      else if (Date.now() - quietSince >= settleMs) return;
    } else ended = false;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** Reads a growing text file by offset, complete lines only. */
export class LogTail {
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
