import type { NoteText } from '../agents/index.js';
import type { Run } from '../domain/index.js';
import { noteHash, readNoteFile } from './read-note-file.js';

/**
 * The run's notes as they are now, checked like on `arbor run` (a missing, directory or binary file
 * is refused); a changed file is named, not silently used.
 */
export async function rereadNotes(run: Run): Promise<NoteText[]> {
  const notes: NoteText[] = [];
  for (const ref of run.notes) {
    if (ref.content !== undefined) {
      notes.push({ path: ref.path, content: ref.content });
      continue;
    }
    const bytes = await readNoteFile(ref.path, {
      hint: `restore it: run ${run.id} was started with it (resume runs from the directory the run was started in)`,
    });
    if (noteHash(bytes) !== ref.sha256)
      process.stderr.write(
        `warning: notes file ${ref.path} changed since the run started; using the new text\n`,
      );
    notes.push({ path: ref.path, content: bytes.toString('utf8') });
  }
  return notes;
}
