import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createdEvent, move, sampleChild, sampleRun } from '../../../test/support/sample-documents.js';
import { RunJournal } from './run-journal.js';

describe('run journal', () => {
  let directory: string;
  let path: string;
  const journals: RunJournal[] = [];
  const open = () => {
    const journal = RunJournal.open(path, { create: true, fsync: false })!;
    journals.push(journal);
    return journal;
  };

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'arbor-journal-'));
    path = join(directory, 'journal.jsonl');
  });
  afterEach(async () => {
    for (const journal of journals.splice(0)) journal.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('lets the first of two racing patches in the file win, for its writer and on replay', () => {
    const { root } = sampleRun();
    const child = sampleChild(root, 0);
    const first = open();
    first.insert([root, child], []);
    const second = open();
    const { patch, event } = move(child, { type: 'deps-met' });

    // Both writers read version 0; `first` appends before `second` has seen it.
    expect(second.get(child.id)?.version).toBe(0);
    expect(first.patch({ id: child.id, expected: 0, patch, events: [event] })).toBe(true);
    expect(
      second.patch({ id: child.id, expected: 0, patch: { ...patch, description: 'lost' }, events: [event] }),
    ).toBe(false);

    expect(second.get(child.id)).toEqual(move(child, { type: 'deps-met' }).node);
    expect(open().get(child.id)?.description).toBe(child.description);
    expect(open().events(child.id)).toEqual([event]);
  });

  it("answers events after a seq from memory as the file would, with another writer's lines too", () => {
    const { root } = sampleRun();
    const writer = open();
    writer.insert([root], [createdEvent(root)]);
    const other = open();
    // More events than the journal holds in memory, from two writers taking turns.
    for (let index = 0; index < 1_500; index++) {
      const child = sampleChild(root, index);
      (index % 3 === 0 ? other : writer).insert([child], [createdEvent(child)]);
    }
    const fromFile = open();
    const all = fromFile.eventsAfter(0);
    expect(all).toHaveLength(1_501);
    expect(all.map((event) => event.seq)).toEqual(all.map((_, index) => index + 1));
    for (const after of [0, 400, 1_000, 1_450, 1_500, 1_501])
      for (const journal of [writer, other]) expect(journal.eventsAfter(after, 20)).toEqual(all.slice(after, after + 20));
  });

  it('keeps the events of an insert except those of nodes that already existed', () => {
    const { root } = sampleRun();
    const child = sampleChild(root, 0);
    const journal = open();
    journal.insert([root, child], [createdEvent(child)]);
    journal.insert([child], [createdEvent(child)]);
    const sibling = sampleChild(root, 1);
    journal.insert([child, sibling], [createdEvent(child), createdEvent(sibling)]);
    expect(open().events()).toEqual([createdEvent(child), createdEvent(sibling)]);
  });

  it('reads the patch lines of earlier journals, which hold one `event` or null', async () => {
    const { root } = sampleRun();
    const child = sampleChild(root, 0);
    open().insert([root, child], []);
    const ready = move(child, { type: 'deps-met' });
    const edited = { ...ready.node, title: 'edited', version: 2 };
    await appendFile(
      path,
      [
        { t: 'patch', id: child.id, expected: 0, patch: ready.patch, event: ready.event },
        { t: 'patch', id: child.id, expected: 1, patch: { title: 'edited', version: 2 }, event: null },
      ]
        .map((line) => `${JSON.stringify(line)}\n`)
        .join(''),
    );
    const journal = open();
    expect(journal.get(child.id)).toEqual(edited);
    expect(journal.events(child.id)).toEqual([ready.event]);
  });

  it('replays a journal to the same nodes as its writer saw, ignoring unknown and identity fields of patch lines', async () => {
    const { root } = sampleRun();
    const child = sampleChild(root, 0);
    const writer = open();
    writer.insert([root, child], []);
    const ready = move(child, { type: 'deps-met' });
    writer.patch({ id: child.id, expected: 0, patch: ready.patch, events: [ready.event] });
    await appendFile(path, `${JSON.stringify({ t: 'patch', id: child.id, expected: 1, patch: { title: 'edited', depth: 7, parentId: null, extra: 'x', version: 2 }, events: [] })}\n`);
    const replayed = open();
    expect(replayed.list()).toEqual([root, { ...ready.node, title: 'edited', version: 2 }]);
    expect(replayed.get(child.id)).not.toHaveProperty('extra');
    expect(Object.isFrozen(replayed.get(child.id))).toBe(true);
    expect(replayed.events(child.id)).toEqual([ready.event]);
  });

  it('names the line of an invalid patch in a journal it opens, and of an invalid event when events are read', async () => {
    const { root } = sampleRun();
    const child = sampleChild(root, 0);
    open().insert([root, child], []);
    const ready = move(child, { type: 'deps-met' });
    await appendFile(path, `${JSON.stringify({ t: 'patch', id: child.id, expected: 0, patch: ready.patch, events: [{ ...ready.event, to: 'no-such-status' }] })}\n`);
    // Events are not kept in memory: an invalid one is found when the events are read.
    const journal = open();
    expect(journal.get(child.id)?.status).toBe(ready.node.status);
    expect(() => journal.events(child.id)).toThrow(/journal\.jsonl line 2, event/);

    // An invalid patch, with a valid one after it: the replay names the invalid one's line.
    const [insertLine] = (await readFile(path, 'utf8')).split('\n');
    await writeFile(path, `${insertLine}\n`);
    await appendFile(path, `${JSON.stringify({ t: 'patch', id: child.id, expected: 0, patch: { attempts: -1, version: 1 }, events: [] })}\n`);
    await appendFile(path, `${JSON.stringify({ t: 'patch', id: child.id, expected: 1, patch: { title: 'later', version: 2 }, events: [] })}\n`);
    expect(() => open()).toThrow(/journal\.jsonl line 2: not a valid node update document/);
  });
});
