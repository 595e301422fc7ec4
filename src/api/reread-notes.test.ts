import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UsageError, type Run } from '../domain/index.js';
import { makeTempDir } from '../../test/support/cli.js';
import { sampleRun } from '../../test/support/sample-documents.js';
import { readNotes } from './read-notes.js';
import { rereadNotes } from './reread-notes.js';

/** A run started with the notes file `name` holding `text`. */
async function runWithNote(name: string, text: string): Promise<{ run: Run; file: string }> {
  const file = path.join(await makeTempDir('arbor-notes-'), name);
  await writeFile(file, text);
  const [note] = await readNotes([file]);
  return { run: { ...sampleRun().run, notes: [note!.ref] }, file };
}

describe('rereadNotes', () => {
  afterEach(() => vi.restoreAllMocks());

  it('reads the notes a run was started with, quietly when they are unchanged', async () => {
    const { run, file } = await runWithNote('app.md', '# App\nUse SQLite.\n');
    const warnings = vi.spyOn(process.stderr, 'write').mockReturnValue(true);
    expect(await rereadNotes(run)).toEqual([{ path: file, content: '# App\nUse SQLite.\n' }]);
    expect(warnings).not.toHaveBeenCalled();
  });

  it('uses the new text of a notes file that changed since the run started, and says so', async () => {
    const { run, file } = await runWithNote('app.md', '# App\nUse SQLite.\n');
    await writeFile(file, '# App\nUse Postgres.\n');
    const warnings = vi.spyOn(process.stderr, 'write').mockReturnValue(true);
    expect(await rereadNotes(run)).toEqual([{ path: file, content: '# App\nUse Postgres.\n' }]);
    expect(warnings).toHaveBeenCalledWith(
      `warning: notes file ${file} changed since the run started; using the new text\n`,
    );
  });

  it('refuses a notes file that is gone, naming the run it belongs to', async () => {
    const { run, file } = await runWithNote('app.md', 'notes');
    const missing = { ...run, notes: [{ ...run.notes[0]!, path: `${file}.gone` }] };
    const error = await rereadNotes(missing).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toContain(`${file}.gone`);
    expect((error as UsageError).hint).toContain(run.id);
  });
});
