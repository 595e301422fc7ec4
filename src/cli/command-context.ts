import { resolveStoreSpec } from '../store/index.js';

/** Flags every command takes. */
export interface CommonFlags {
  store?: string;
  verbose?: boolean;
}

/** How to name the store in a suggested command: nothing when it is the default one. */
export function storeArgument(flags: CommonFlags): string {
  if (!flags.store) return '';
  return `--store ${resolveStoreSpec(flags.store).replace(/(:\/\/[^:/@\s]+:)[^@\s]+@/, '$1***@')}`;
}

/** True when a person is at the terminal (both ends are a TTY). */
export function isInteractive(): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY);
}

/** Prints a line to standard output. */
export function print(line: string): void {
  process.stdout.write(`${line}\n`);
}
