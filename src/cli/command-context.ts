import { resolveStoreSpec } from '../store/index.js';
import { hideUriPasswords } from './redact-secrets.js';
import { runnableHints } from './runnable-hints.js';

/** Flags every command takes. */
export interface CommonFlags {
  store?: string;
  verbose?: boolean;
}

/** How to name the store in a suggested command: nothing when it is the default one. */
export function storeArgument(flags: CommonFlags): string {
  if (!flags.store) return '';
  return `--store ${hideUriPasswords(resolveStoreSpec(flags.store))}`;
}

/** True when a person is at the terminal (both ends are a TTY). */
export function isInteractive(): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY);
}

/** Prints a line to standard output. */
export function print(line: string): void {
  process.stdout.write(`${runnableHints(line)}\n`);
}

/** Flags that choose how `run` and `resume` show progress. */
export interface ProgressFlags {
  json?: boolean;
  plain?: boolean;
}

/**
 * How `run` and `resume` talk to the user: a live view and approval prompts on a terminal, plain
 * lines off one (or with `--plain`), JSON lines per engine event with `--json` (people's lines then
 * go to standard error, and nobody is prompted).
 */
export function progressSettings(flags: ProgressFlags): {
  interactive: boolean;
  progress: 'live' | 'plain' | 'json';
  print: (line: string) => void;
  write: (text: string) => void;
} {
  const write = (text: string) => void process.stdout.write(text);
  if (flags.json) return { interactive: false, progress: 'json', print: (line) => void process.stderr.write(`${runnableHints(line)}\n`), write };
  const interactive = isInteractive();
  return { interactive, progress: interactive && !flags.plain ? 'live' : 'plain', print, write };
}
