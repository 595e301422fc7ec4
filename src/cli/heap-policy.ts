import { setFlagsFromString } from 'node:v8';

/** After each full garbage collection, the heap may grow to twice the data still alive. */
export const heapGrowingPercent = 100;

const flag = '--heap-growing-percent';

/**
 * Keeps an Arbor process's heap close to what it holds. By default V8 lets the heap grow to up to
 * four times the data that survived the last full collection before it collects again. A run
 * replaces each node's object on every write, so most of that room fills with old versions. A
 * 100,000-node run then peaked at about 1 GiB RSS; with this policy it peaks at about 700 MiB,
 * for no measurable CPU (see bench/README.md). A `--heap-growing-percent` given to node wins.
 */
export function applyHeapPolicy(
  options: { execArgv?: readonly string[]; setFlags?: (flags: string) => void } = {},
): boolean {
  // Only on node's command line: node refuses this flag in NODE_OPTIONS.
  const execArgv = options.execArgv ?? process.execArgv;
  if (execArgv.some((argument) => argument.startsWith(flag))) return false;
  (options.setFlags ?? setFlagsFromString)(`${flag}=${heapGrowingPercent}`);
  return true;
}

/** How much V8's young generation grows when it fills: 1 keeps it at its first size. */
export const shortCommandFlag = '--semi-space-growth-factor=1';

/**
 * For a command that reads, prints and exits (`tree`, `runs`, `--help`…): V8 doubles the young
 * generation whenever it fills, up to 16 MiB per semi-space, and a short process never gives that
 * back. Kept at its first size, `arbor tree` on a 1,000-node run peaked at about 72 MiB RSS instead
 * of 83, in the same time (issue 17 §1). Commands that drive runs keep the growing young generation
 * (the `longRunning` commands in main.ts): it saves them collections.
 */
export function applyShortCommandHeapPolicy(setFlags: (flags: string) => void = setFlagsFromString): void {
  setFlags(shortCommandFlag);
}
