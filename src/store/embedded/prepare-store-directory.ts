import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { StoreError } from '../../domain/index.js';
import { errorCode, storeIoError } from './store-io-error.js';

const pickAnother = 'pick another directory with --store DIR (or ARBOR_STORE)';

/**
 * Makes sure the embedded store's directory exists and can be read, creating it (zero set-up) when
 * missing. Permission problems become a `UsageError`; a path that is not a directory, or cannot be
 * read, a `StoreError`.
 */
export function prepareStoreDirectory(path: string): void {
  try {
    mkdirSync(path, { recursive: true });
  } catch (error) {
    const code = errorCode(error);
    if (code === 'EEXIST' || code === 'ENOTDIR')
      throw new StoreError(`the store ${path} is not a directory`, { cause: error, hint: pickAnother });
    throw storeIoError(error, `cannot create the store directory ${path}`);
  }
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
