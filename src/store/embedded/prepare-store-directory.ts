import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { StoreError } from '../../domain/index.js';
import { errorCode } from './store-io-error.js';

const pickAnother = 'pick another directory with --store DIR (or ARBOR_STORE)';

/**
 * Makes sure the embedded store's directory can be read when it exists. A missing one is left alone:
 * the first run creates it, so commands that only read (or fail on bad input) write nothing.
 * Permission problems become a `UsageError`; a path that is not a directory, or cannot be read, a
 * `StoreError`.
 */
export function prepareStoreDirectory(path: string): void {
  if (!existsSync(path)) return;
  try {
    if (!statSync(path).isDirectory())
      throw new StoreError(`the store ${path} is not a directory`, { hint: pickAnother });
    accessSync(path, constants.R_OK | constants.X_OK);
  } catch (error) {
    if (error instanceof StoreError) throw error;
    throw new StoreError(`cannot read the store directory ${path}: ${errorCode(error) ?? String(error)}`, {
      cause: error,
      hint: pickAnother,
    });
  }
}
