import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { throwInjectedWriteFault } from './injected-write-fault.js';
import { errorCode, storeIoError } from './store-io-error.js';

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

/**
 * Creates a file with its full content in one step (a link of a finished temporary file), or returns
 * false when it exists: of several processes creating it at once, exactly one succeeds.
 */
export function createFileAtomic(path: string, text: string, what: string): boolean {
  const temporary = `${path}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
  try {
    writeFileSync(temporary, text, { flag: 'wx' });
    linkSync(temporary, path);
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw storeIoError(error, `cannot create ${what} ${path}`);
  } finally {
    rmSync(temporary, { force: true });
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
