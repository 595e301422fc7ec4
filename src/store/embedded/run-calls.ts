import type { ModelCall } from '../../domain/index.js';
import { parseModelCall } from '../read-documents.js';
import { JsonLinesFile } from './json-lines-file.js';

/**
 * The model calls of one run: `calls.jsonl` beside the journal, append-only. Kept apart from the
 * journal so that replaying nodes never reads prompts; the file is only read by `listCalls`.
 */
export class RunCalls {
  private file: JsonLinesFile | null = null;

  constructor(
    private readonly path: string,
    private readonly fsync: boolean,
  ) {}

  /** Appends one call (validated first, so the file only holds readable records). */
  append(call: ModelCall): void {
    const valid = parseModelCall(call, `model call of node ${call.nodeId} in run ${call.runId}`);
    this.file ??= JsonLinesFile.open(this.path, { create: true, fsync: this.fsync });
    // Only the process that holds the run records its calls: no one else's lines to apply.
    this.file?.appendUnread(valid);
  }

  /** Every stored call, optionally of one node, in the order they started. */
  list(nodeId?: string): ModelCall[] {
    const reader = JsonLinesFile.open(this.path, { create: false, fsync: false });
    if (!reader) return [];
    const calls: ModelCall[] = [];
    try {
      reader.readNew((value, position) => {
        const call = parseModelCall(value, position.where);
        if (nodeId === undefined || call.nodeId === nodeId) calls.push(call);
      });
    } finally {
      reader.close();
    }
    return calls.sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : 0));
  }

  close(): void {
    this.file?.close();
    this.file = null;
  }
}
