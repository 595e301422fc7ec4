import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { NoteText } from '../agents/index.js';
import { UsageError, type Run } from '../domain/index.js';

/** The run's notes as they are now; a changed or missing file is named, not silently used. */
export async function rereadNotes(run: Run): Promise<NoteText[]> {
  const notes: NoteText[] = [];
  for (const ref of run.notes) {
    let bytes: Buffer;
    try {
      bytes = await readFile(ref.path);
    } catch {
      throw new UsageError(`notes file ${ref.path} of run ${run.id} is gone`, {
        hint: 'restore it (resume runs from the directory the run was started in)',
      });
    }
    if (createHash('sha256').update(bytes).digest('hex') !== ref.sha256)
      process.stderr.write(`warning: notes file ${ref.path} changed since the run started; using the new text\n`);
    notes.push({ path: ref.path, content: bytes.toString('utf8') });
  }
  return notes;
}
