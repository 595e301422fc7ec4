import path from 'node:path';
import { roleLimitsBelow, type AgentsConfig } from '../agents/index.js';

/**
 * One line per role that an agent file limits below the global `--concurrency`, e.g. `executor
 * limited to 8 of 20 slots by agents/executor.yaml`: shown once at start, so that raising
 * `--concurrency` and seeing nothing get faster is never a mystery.
 */
export function roleLimitNotices(agents: AgentsConfig, globalLimit: number, cwd = process.cwd()): string[] {
  return roleLimitsBelow(agents, globalLimit).map(
    ({ role, limit, file }) => `${role} limited to ${limit} of ${globalLimit} slots by ${shownPath(file, cwd)}`,
  );
}

/** A path relative to the working directory when it lies under it, else as it is. */
function shownPath(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}
