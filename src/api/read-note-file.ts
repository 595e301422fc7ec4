import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { UsageError } from '../domain/index.js';

/** Options of {@link readNoteFile}. */
export interface ReadNoteFileOptions {
  /** How to fix a path that is missing or not a file: it differs for a new run and a resumed one. */
  hint: string;
}

/**
 * The bytes of one notes file, checked the same way wherever notes are read (a new run, `resume`, a
 * worker): a path that is not a readable file or holds binary data is refused with a
 * {@link UsageError} (exit status 2) before any work starts.
 */
export async function readNoteFile(notePath: string, options: ReadNoteFileOptions): Promise<Buffer> {
  let bytes: Buffer;
  try {
    if (!(await stat(notePath)).isFile())
      throw new UsageError(`notes file ${notePath} is not a file`, { hint: options.hint });
    bytes = await readFile(notePath);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new UsageError(`cannot read notes file ${notePath}: ${reason}`, {
      cause: error,
      hint: options.hint,
    });
  }
  checkNoteText(`notes file ${notePath}`, bytes);
  return bytes;
}

/** Refuses notes that are not text (a NUL byte, or not UTF-8); `what` names them in the message. */
export function checkNoteText(what: string, bytes: Buffer): void {
  if (isBinary(bytes))
    throw new UsageError(`${what} looks binary, not text`, {
      hint: 'notes must be markdown or plain text (UTF-8)',
    });
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

/** The hash a run stores of each notes file (`NoteRef.sha256`), to tell a changed file on resume. */
export function noteHash(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
