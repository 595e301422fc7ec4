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
