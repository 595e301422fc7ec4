import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readSync,
  writeSync,
} from 'node:fs';
import { StoreError, UsageError } from '../../domain/index.js';
import { asReadBack } from './as-read-back.js';
import { throwInjectedWriteFault } from './injected-write-fault.js';
import { errorCode, storeIoError } from './store-io-error.js';

/** Where a line sits in its file. */
export interface LinePosition {
  /** Byte offset of the line's first byte. */
  offset: number;
  /** 1-based line number. */
  line: number;
  /** `FILE line N`, for error messages. */
  where: string;
  /**
   * True for the record this instance just appended (it was validated before it was written); its
   * value may share objects with the record that was appended.
   */
  own: boolean;
}

/** Applies one record read from the file; what it returns for an appended record, `append` returns. */
export type LineHandler<R> = (value: unknown, position: LinePosition) => R;

/** Options of {@link JsonLinesFile.open}. */
export interface JsonLinesFileOptions {
  /** Create the file when it does not exist (otherwise `open` returns null). */
  create: boolean;
  /** `fsync` after every append, for power-loss durability (process death is survived without it). */
  fsync: boolean;
}

const chunkBytes = 1 << 20;
const newline = 0x0a;
/** How long a line without its newline may take to complete before it is taken for a torn write. */
const tornLineGraceMs = 25;

/**
 * An append-only file of JSON lines shared by processes. Each record is one `writeSync` to an fd in
 * append mode, so a completed write survives `kill -9` (it is in the page cache). Readers follow the
 * file by offset: `readNew` applies only the bytes appended since the last call. A final line
 * without its newline is a write that never completed: it is ignored, and cut off before the next
 * append so that the file stays valid; any other unreadable line is a `StoreError` naming the line.
 */
export class JsonLinesFile {
  /** End of the last complete line applied. */
  private offset = 0;
  private lines = 0;
  /** The file's size at the last read: beyond `offset` is a line not (yet) complete. */
  private sizeRead = 0;
  /** A torn last line was looked for (see {@link appendUnread}). */
  private repaired = false;

  private constructor(
    readonly path: string,
    private fd: number | null,
    private readonly writable: boolean,
    private readonly fsync: boolean,
  ) {}

  /** Opens the file for appending, or for reading only when the directory is read-only. */
  static open(path: string, options: JsonLinesFileOptions): JsonLinesFile | null {
    const flags = constants.O_RDWR | constants.O_APPEND | (options.create ? constants.O_CREAT : 0);
    try {
      return new JsonLinesFile(path, openSync(path, flags, 0o644), true, options.fsync);
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOENT' && !options.create) return null;
      if (code !== 'EACCES' && code !== 'EPERM' && code !== 'EROFS')
        throw storeIoError(error, `cannot open ${path}`);
    }
    const readOnly = new JsonLinesFile(path, null, false, options.fsync);
    readOnly.reopenForReading();
    return readOnly.fd === null && !options.create ? null : readOnly;
  }

  /** Applies, in order, the complete lines appended since the last call (by any process). */
  readNew(onLine: LineHandler<unknown>): void {
    this.readLines(onLine, null);
  }

  /**
   * Appends one record after applying everything before it, and returns what `onLine` returned for
   * it. When another process appended at the same moment, the lines are applied in file order, so
   * the caller learns whether its record won. `onLine` gets the record as it reads back from the
   * file, sharing the record's own objects and strings where they are plain JSON (see
   * `asReadBack`): the caller hands the record over and must not change it afterwards.
   */
  append<R>(record: unknown, onLine: LineHandler<R>): R {
    const fd = this.writableFd();
    this.readNew(onLine);
    this.dropTornLine(fd, onLine);

    const text = JSON.stringify(record);
    const bytes = Buffer.from(`${text}\n`, 'utf8');
    const start = this.offset;
    this.write(fd, bytes);

    if (this.size(fd) === start + bytes.length) {
      this.offset = start + bytes.length;
      this.lines += 1;
      return onLine(asReadBack(record) ?? JSON.parse(text), {
        offset: start,
        line: this.lines,
        where: this.where(this.lines),
        own: true,
      });
    }
    const result = this.readLines(onLine, bytes.subarray(0, -1));
    if (!result) throw new StoreError(`a write to ${this.path} was lost: another process cut the file short`);
    return result.value;
  }

  /**
   * Appends one record without applying what others appended: for a file only this process writes
   * (the model calls of a run it holds), read back only by other readers. The first append cuts off
   * a torn last line that a crash left; later ones only write. An instance used so is not read
   * (`readNew`, `append`) afterwards: its offset stays where the first append left it.
   */
  appendUnread(record: unknown): void {
    if (!this.repaired) {
      this.append(record, () => undefined);
      this.repaired = true;
      return;
    }
    const fd = this.writableFd();
    this.write(fd, Buffer.from(`${JSON.stringify(record)}\n`, 'utf8'));
  }

  /** Reads the lines that start at `offsets` (ascending, all already applied), for rarely needed data. */
  readAt(
    offsets: readonly number[],
    onLine: (value: unknown, position: LinePosition) => void,
    /** Where the first of `offsets` starts, when the caller knows: the scan begins there. */
    start: { offset: number; line: number } = { offset: 0, line: 1 },
  ): void {
    if (offsets.length === 0 || this.fd === null) return;
    let next = 0;
    let line = start.line - 1;
    this.forEachLine(this.fd, start.offset, this.offset, (bytes, offset) => {
      line += 1;
      if (offset !== offsets[next]) return;
      next += 1;
      onLine(this.decode(bytes, line), { offset, line, where: this.where(line), own: false });
    });
  }

  private writableFd(): number {
    if (!this.writable || this.fd === null)
      throw new UsageError(`cannot write to ${this.path}: the store is read-only`, {
        hint: 'pick a directory you can write to with --store DIR (or ARBOR_STORE)',
      });
    return this.fd;
  }

  /** One whole line in one write (see the class comment). */
  private write(fd: number, bytes: Buffer): void {
    let written: number;
    try {
      throwInjectedWriteFault(this.path, { journal: this.path.endsWith('journal.jsonl') });
      written = writeSync(fd, bytes);
      if (this.fsync) fsyncSync(fd);
    } catch (error) {
      throw storeIoError(error, `cannot append to ${this.path}`);
    }
    if (written !== bytes.length)
      throw new StoreError(
        `short write to ${this.path} (${written} of ${bytes.length} bytes); is the disk full?`,
      );
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private readLines<R>(onLine: LineHandler<R>, own: Buffer | null): { value: R } | undefined {
    if (this.fd === null) this.reopenForReading();
    const fd = this.fd;
    if (fd === null) return undefined;
    const size = this.size(fd);
    this.sizeRead = size;
    if (size < this.offset)
      throw new StoreError(
        `${this.path} is shorter than what was already read from it; was it edited or replaced?`,
      );
    let result: { value: R } | undefined;
    this.forEachLine(fd, this.offset, size, (bytes, offset) => {
      const line = this.lines + 1;
      const isOwn = own !== null && result === undefined && bytes.equals(own);
      const value = onLine(this.decode(bytes, line), { offset, line, where: this.where(line), own: isOwn });
      if (isOwn) result = { value };
      this.offset = offset + bytes.length + 1;
      this.lines = line;
    });
    return result;
  }

  /** Calls `visit` with each newline-terminated line in [from, to); a trailing partial line is skipped. */
  private forEachLine(
    fd: number,
    from: number,
    to: number,
    visit: (bytes: Buffer, offset: number) => void,
  ): void {
    const chunk = Buffer.allocUnsafe(Math.max(1, Math.min(chunkBytes, to - from)));
    let position = from;
    let lineStart = from;
    let carry: Buffer[] = [];
    while (position < to) {
      const read = readSync(fd, chunk, 0, Math.min(chunk.length, to - position), position);
      if (read === 0) break;
      let start = 0;
      let end = chunk.indexOf(newline, start);
      while (end !== -1 && end < read) {
        const piece = chunk.subarray(start, end);
        visit(carry.length > 0 ? Buffer.concat([...carry, piece]) : piece, lineStart);
        carry = [];
        lineStart = position + end + 1;
        start = end + 1;
        end = chunk.indexOf(newline, start);
      }
      if (start < read) carry.push(Buffer.from(chunk.subarray(start, read)));
      position += read;
    }
  }

  /**
   * Cuts off a final line without its newline before appending. Such a line is usually a write cut
   * short by a crash; it may also be another process's write in progress, so it gets a moment to
   * complete first.
   */
  private dropTornLine(fd: number, onLine: LineHandler<unknown>): void {
    // As of the read just before (a line another process completes since is handled as a race).
    if (this.sizeRead === this.offset) return;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, tornLineGraceMs);
    this.readNew(onLine);
    if (this.size(fd) === this.offset) return;
    try {
      ftruncateSync(fd, this.offset);
    } catch (error) {
      throw storeIoError(error, `cannot repair the torn last line of ${this.path}`);
    }
  }

  private decode(bytes: Buffer, line: number): unknown {
    try {
      return JSON.parse(bytes.toString('utf8'));
    } catch (error) {
      throw new StoreError(
        `${this.where(line)} is corrupt: ${error instanceof Error ? error.message : String(error)}`,
        {
          cause: error,
          hint: `restore ${this.path} from a backup, or remove that line to lose the record it held`,
        },
      );
    }
  }

  private size(fd: number): number {
    return fstatSync(fd).size;
  }

  private where(line: number): string {
    return `${this.path} line ${line}`;
  }

  private reopenForReading(): void {
    try {
      this.fd = openSync(this.path, 'r');
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw storeIoError(error, `cannot read ${this.path}`);
    }
  }
}
