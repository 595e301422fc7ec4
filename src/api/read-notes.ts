import type { NoteRef } from '../domain/index.js';
import type { NoteText } from '../agents/index.js';
import { UsageError } from '../domain/index.js';
import { checkNoteText, noteHash, readNoteFile } from './read-note-file.js';

/** A notes file read and checked: its text for prompts, its hash for the run document. */
export interface ReadNote {
  text: NoteText;
  ref: NoteRef;
}

/** Reads notes files, refusing missing, empty-path, directory and binary files with a clear message. */
export async function readNotes(paths: readonly string[]): Promise<ReadNote[]> {
  const notes: ReadNote[] = [];
  for (const notePath of paths) {
    const bytes = await readNoteFile(notePath, { hint: 'check the path given to --notes' });
    notes.push({
      text: { path: notePath, content: bytes.toString('utf8') },
      ref: { path: notePath, sha256: noteHash(bytes), bytes: bytes.length },
    });
  }
  return notes;
}

/** Notes given as text (code, the service): checked like files, kept in the run document. */
export function inlineNotes(notes: ReadonlyArray<{ name: string; content: string }>): ReadNote[] {
  return notes.map(({ name, content }) => {
    if (typeof name !== 'string' || name.trim() === '')
      throw new UsageError('a note given as text has no name', {
        hint: 'give every note a name, e.g. { name: "app.md", content: "…" }',
      });
    if (typeof content !== 'string')
      throw new UsageError(`note ${name} has no text`, {
        hint: 'give it content: "…" (markdown or plain text)',
      });
    const bytes = Buffer.from(content, 'utf8');
    checkNoteText(`note ${name}`, bytes);
    return {
      text: { path: name, content },
      ref: { path: name, sha256: noteHash(bytes), bytes: bytes.length, content },
    };
  });
}
