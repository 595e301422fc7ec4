import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';

/** The repository root (where `bin/arbor.js`, `examples/` and `notes/` live). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const arborBin = path.join(repoRoot, 'bin', 'arbor.js');

/** Environment variables that would change which model or store the CLI picks. */
const configVariables = [
  'ARBOR_LLM',
  'ARBOR_STORE',
  'ARBOR_SCRIPT_LOG',
  'ARBOR_DEBUG',
  'MONGODB_URI',
  'OPENAI_API_KEY',
  'OPENAI_BASE_URL',
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_BASE_URL',
  'FORCE_COLOR',
  'NO_COLOR',
];

/** Options of {@link runCli} and {@link startCli}. */
export interface CliOptions {
  /** Working directory of the CLI (its default `.arbor/` and `arbor-out/` go here). */
  cwd: string;
  /** Variables to set on top of a copy of this process's environment, without Arbor's own settings. */
  env?: Record<string, string>;
  /** The `arbor` command to start (default: this repository's `bin/arbor.js`). */
  bin?: string;
}

/** What a finished CLI process left behind. */
export interface CliResult {
  /** Exit status, or null when a signal ended the process. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A CLI process still running: its output so far, and a promise of the result. */
export interface CliProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<CliResult>;
}

/**
 * Starts `arbor ARGS` as a user would off a terminal: stdin is closed (`ignore`) and stdout/stderr
 * are pipes, so the CLI sees no TTY. Arbor's own environment variables are cleared first. Call it
 * inside a test: a process still running when the test ends is killed.
 */
export function startCli(args: readonly string[], options: CliOptions): CliProcess {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of configVariables) delete env[name];
  // OpenTelemetry's variables (an OTLP endpoint turns tracing on): a test sets the ones it means.
  for (const name of Object.keys(env)) if (name.startsWith('OTEL_')) delete env[name];
  Object.assign(env, options.env);
  const child = spawn(process.execPath, [options.bin ?? arborBin, ...args], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // A test that fails half-way must not leave a CLI running.
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const exited = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Runs `arbor ARGS` off a terminal to the end and returns its exit status and output. */
export function runCli(args: readonly string[], options: CliOptions): Promise<CliResult> {
  return startCli(args, options).exited;
}

/** A scripted model's file (`--llm script:FILE`): two leaves under the root, the second depending on the first, all passing. */
export const twoTaskScript = `
rules:
  - role: planner
    depth: 0
    respond:
      tasks:
        - { key: readme, title: Write the README, description: 'what the tool does' }
        - { key: code, title: Write the code, description: 'the tool itself', dependsOn: [readme] }
defaults:
  sequencer: auto
  executor: { action: complete, result: { summary: 'done: {{node.title}}', output: '' } }
  checker: { verdict: pass, feedback: '' }
`;

/** The run id a `run` command printed (`Run r-… started`). */
export function runIdFrom(stdout: string): string {
  const match = /Run (r-[0-9a-z]+) started/.exec(stdout);
  if (!match?.[1]) throw new Error(`no run id in the output:\n${stdout}`);
  return match[1];
}

/** One node of `arbor tree RUN --json`, with the fields the tests read. */
export interface JsonTreeNode {
  id: string;
  title: string;
  status: string;
  depth: number;
  group: number | null;
  integration: boolean;
  error: { message: string } | null;
  approval: { decision: { action: string; comment: string | null } | null } | null;
  checks: Array<{ verdict: string; attempt: number }>;
  startedAt: string | null;
  endedAt: string | null;
  children: JsonTreeNode[];
}

/** `arbor tree RUN --json` as printed. */
export interface JsonTree {
  runId: string;
  status: string;
  root: JsonTreeNode;
}

/** Runs `arbor tree RUN --json` and parses it; fails with the CLI's output when it does not exit 0. */
export async function readTree(runId: string, options: CliOptions & { store?: string }): Promise<JsonTree> {
  const storeArgs = options.store ? ['--store', options.store] : [];
  const result = await runCli(['tree', runId, '--json', ...storeArgs], options);
  if (result.code !== 0) throw new Error(`arbor tree exited ${result.code}:\n${result.stderr}`);
  return JSON.parse(result.stdout) as JsonTree;
}

/** Every node of a tree, parents before children. */
export function flattenTree(root: JsonTreeNode): JsonTreeNode[] {
  return [root, ...root.children.flatMap(flattenTree)];
}

/** A fresh empty directory, removed when the current test finishes. */
export async function makeTempDir(prefix = 'arbor-e2e-'): Promise<string> {
  const dir = await realpath(await mkdtemp(path.join(tmpdir(), prefix)));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Polls `condition` every 50 ms until it returns true; throws with `what` when `timeoutMs` passes. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
