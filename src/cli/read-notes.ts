import type { NoteRef } from '../domain/index.js';
import type { NoteText } from '../agents/index.js';
import { noteHash, readNoteFile } from './read-note-file.js';

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
