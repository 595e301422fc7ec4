import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const arborBin = path.join(repoRoot, 'bin', 'arbor.js');

/** Arbor's own settings, cleared so that only the arguments pick the model and store. */
const configVariables = [
  'ARBOR_LLM',
  'ARBOR_STORE',
  'ARBOR_SCRIPT_LOG',
  'ARBOR_DEBUG',
  'ARBOR_TEST_FAULT',
  'MONGODB_URI',
  'OPENAI_API_KEY',
  'OPENAI_BASE_URL',
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_BASE_URL',
  'FORCE_COLOR',
  'NO_COLOR',
];

/** How a CLI process ended. */
export interface ArborExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A CLI process: its output so far and its end. */
export interface ArborProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** True once the process has exited. */
  done(): boolean;
  exited: Promise<ArborExit>;
}

/**
 * Starts `arbor ARGS` off a terminal (stdin closed, output piped) with Arbor's environment cleared
 * and `env` added. Unlike test/support/cli.ts it needs no vitest, so the torture command uses it too;
 * the caller kills what it starts.
 */
export function startArbor(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string> },
): ArborProcess {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of configVariables) delete env[name];
  Object.assign(env, options.env);
  const child = spawn(process.execPath, [arborBin, ...args], {
    cwd: options.cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let done = false;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<ArborExit>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      done = true;
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, stdout: () => stdout, stderr: () => stderr, done: () => done, exited };
}

/** Runs `arbor ARGS` to its end. */
export function runArbor(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<ArborExit> {
  return startArbor(args, options).exited;
}

/** The run id a `run` command printed (`Run r-… started`), or null before it did. */
export function printedRunId(stdout: string): string | null {
  return /Run (r-[0-9a-z]+) started/.exec(stdout)?.[1] ?? null;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
