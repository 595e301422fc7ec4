import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { UsageError, type NoteRef } from '../domain/index.js';
import type { NoteText } from '../agents/index.js';

/** A notes file read and checked: its text for prompts, its hash for the run document. */
export interface ReadNote {
  text: NoteText;
  ref: NoteRef;
}

/** Reads notes files, refusing missing, empty-path, directory and binary files with a clear message. */
export async function readNotes(paths: readonly string[]): Promise<ReadNote[]> {
  const notes: ReadNote[] = [];
  for (const notePath of paths) {
    let bytes: Buffer;
    try {
      if (!(await stat(notePath)).isFile())
        throw new UsageError(`notes file ${notePath} is not a file`, { hint: 'pass markdown or text files to --notes' });
      bytes = await readFile(notePath);
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError(`cannot read notes file ${notePath}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`, {
        cause: error,
        hint: 'check the path given to --notes',
      });
    }
    if (isBinary(bytes))
      throw new UsageError(`notes file ${notePath} looks binary, not text`, {
        hint: 'notes must be markdown or plain text (UTF-8)',
      });
    notes.push({
      text: { path: notePath, content: bytes.toString('utf8') },
      ref: { path: notePath, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length },
    });
  }
  return notes;
}

function isBinary(bytes: Buffer): boolean {
  if (bytes.includes(0)) return true;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return false;
  } catch {
    return true;
  }
}
