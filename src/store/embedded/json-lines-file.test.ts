import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../domain/index.js';
import { JsonLinesFile, type LinePosition } from './json-lines-file.js';

describe('json lines file', () => {
  let directory: string;
  let path: string;
  const files: JsonLinesFile[] = [];
  const open = () => {
    const file = JsonLinesFile.open(path, { create: true, fsync: false })!;
    files.push(file);
    return file;
  };
  const collect = (file: JsonLinesFile) => {
    const seen: unknown[] = [];
    file.readNew((value) => seen.push(value));
    return seen;
  };

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'arbor-lines-'));
    path = join(directory, 'records.jsonl');
  });
  afterEach(async () => {
    for (const file of files.splice(0)) file.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('returns null for a missing file it was not asked to create', () => {
    expect(JsonLinesFile.open(path, { create: false, fsync: false })).toBeNull();
  });

  it('reads only the lines appended since the last read, by any writer', () => {
    const reader = open();
    const writer = open();
    writer.append({ n: 1 }, () => undefined);
    expect(collect(reader)).toEqual([{ n: 1 }]);
    writer.append({ n: 2 }, () => undefined);
    writer.append({ n: 3 }, () => undefined);
    expect(collect(reader)).toEqual([{ n: 2 }, { n: 3 }]);
    expect(collect(reader)).toEqual([]);
  });

  it('reads lines longer than its read buffer', () => {
    const long = 'y'.repeat(3 * 1024 * 1024);
    open().append({ long }, () => undefined);
    open().append({ n: 2 }, () => undefined);
    expect(collect(open())).toEqual([{ long }, { n: 2 }]);
  });

  it('applies a write that landed between its read and its append first, and tells its own line apart', () => {
    const other = open();
    other.append({ n: 1 }, () => undefined);
    const mine = open();
    const applied: string[] = [];
    const result = mine.append({ n: 3 }, (value, position: LinePosition) => {
      const record = value as { n: number };
      // Another process appends right after this one has read its first line.
      if (record.n === 1) other.append({ n: 2 }, () => undefined);
      applied.push(`${record.n}${position.own ? ' (own)' : ''}`);
      return record.n;
    });
    expect(applied).toEqual(['1', '2', '3 (own)']);
    expect(result).toBe(3);
  });

  it('ignores a torn last line until it is cut off by the next append', () => {
    writeFileSync(path, '{"n":1}\n{"n":');
    const file = open();
    expect(collect(file)).toEqual([{ n: 1 }]);
    file.append({ n: 2 }, () => undefined);
    expect(readFileSync(path, 'utf8')).toBe('{"n":1}\n{"n":2}\n');
  });

  it('appends without reading once a torn last line left by a crash is cut off', () => {
    writeFileSync(path, '{"n":1}\n{"n":');
    const writer = open();
    for (let n = 2; n <= 4; n++) writer.appendUnread({ n });
    expect(readFileSync(path, 'utf8')).toBe('{"n":1}\n{"n":2}\n{"n":3}\n{"n":4}\n');
    expect(collect(open())).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
  });

  it('reports a corrupt line with its file and number, and again on the next read', () => {
    writeFileSync(path, '{"n":1}\n{oops}\n{"n":3}\n');
    const file = open();
    const seen: unknown[] = [];
    expect(() => file.readNew((value) => seen.push(value))).toThrow(StoreError);
    expect(() => file.readNew((value) => seen.push(value))).toThrow(`${path} line 2 is corrupt`);
    expect(seen).toEqual([{ n: 1 }]);
  });

  it('reads back chosen lines by offset', () => {
    const file = open();
    const offsets: number[] = [];
    for (const n of [1, 2, 3]) file.append({ n }, (_, position) => offsets.push(position.offset));
    appendFileSync(path, '{"n":4}\n');
    const seen: unknown[] = [];
    file.readAt([offsets[0]!, offsets[2]!], (value) => seen.push(value));
    expect(seen).toEqual([{ n: 1 }, { n: 3 }]);
  });
});
