import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { throwInjectedWriteFault } from './injected-write-fault.js';
import { storeIoError } from './store-io-error.js';

/**
 * Replaces a file's content all at once: writes a temporary file beside it and renames it over the
 * old one, so readers (and a process killed half-way) see either the old or the new content.
 */
export function writeFileAtomic(path: string, text: string, options: { fsync: boolean }): void {
  const temporary = `${path}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
  try {
    throwInjectedWriteFault(path, { journal: false });
    writeFileSync(temporary, text, { flag: 'wx', flush: options.fsync });
    renameSync(temporary, path);
    if (options.fsync) syncDirectory(dirname(path));
  } catch (error) {
    removeQuietly(temporary);
    throw storeIoError(error, `cannot write ${path}`);
  }
}

function syncDirectory(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // The write already failed; that error is the one to report.
  }
}
