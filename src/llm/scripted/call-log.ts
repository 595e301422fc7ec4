import { appendFileSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { agentRoleSchema } from '../../domain/index.js';

/** One line of the scripted model's call log: a model call, recorded when it starts. */
export const callLogEntrySchema = z.object({
  at: z.string(),
  runId: z.string(),
  nodeId: z.string(),
  title: z.string(),
  depth: z.number().int().nonnegative(),
  role: agentRoleSchema,
  attempt: z.number().int().positive(),
});

/** One model call, recorded when it starts. */
export type CallLogEntry = z.infer<typeof callLogEntrySchema>;

/**
 * Appends one JSON line to the call log. The write is synchronous so that a line, once the call
 * has started, survives a `kill -9` of the process.
 */
export function appendCallLog(path: string, entry: CallLogEntry): void {
  appendFileSync(path, `${JSON.stringify(entry)}\n`, 'utf8');
}

/**
 * Reads a call log back, oldest call first. A missing file is an empty log; a line cut short by a
 * crash is skipped rather than failing the reader.
 */
export function readCallLog(path: string): CallLogEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const entries: CallLogEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const parsed = callLogEntrySchema.safeParse(parseJson(line));
    if (parsed.success) entries.push(parsed.data);
  }
  return entries;
}

function parseJson(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}
