import path from 'node:path';
import type { Run } from '../domain/index.js';

/**
 * Where a run's artifacts go, as an absolute path: `override` (this command's `--out`), else the
 * folder the run was started with, else `./arbor-out/RUN`.
 */
export function outputFolder(run: Pick<Run, 'id' | 'outDir'>, override?: string | null): string {
  return path.resolve(override ?? run.outDir ?? path.join('arbor-out', run.id));
}
