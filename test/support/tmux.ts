import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import { repoRoot } from './cli.js';

/** True when tmux can run here (the pseudo-terminal tests skip without it). */
export const hasTmux = spawnSync('tmux', ['-V']).status === 0;

/** Arbor's own settings, cleared so the CLI under test picks only what the test gives it. */
const cleared = ['ARBOR_LLM', 'ARBOR_STORE', 'ARBOR_SCRIPT_LOG', 'ARBOR_DEBUG', 'MONGODB_URI', 'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL', 'NO_COLOR', 'FORCE_COLOR', 'VISUAL', 'EDITOR'];

const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

let sessions = 0;

/** A CLI running in a tmux pane: a real pseudo-terminal, read back as the screen a person sees. */
export interface TerminalSession {
  /** The screen as it is now (the visible pane, without colour codes). */
  screen(): string;
  /** Everything the pane showed, scrollback included. */
  history(): string;
  /** Presses keys by their tmux names: `Enter`, `Down`, `C-c`, … */
  keys(...keys: string[]): void;
  /** Types text as it is. */
  type(text: string): void;
  /** Waits until the screen matches. */
  waitFor(what: RegExp, timeoutMs?: number): Promise<string>;
  /** Waits for the CLI to exit and returns its exit status. */
  exited(timeoutMs?: number): Promise<number>;
}

/**
 * Starts `arbor ARGS` in a detached tmux session of `width`×`height` on its own tmux server (so
 * tests never touch a user's sessions), with TERM set and Arbor's settings cleared. The session and
 * its server end when the test does.
 */
export function startInTerminal(
  args: readonly string[],
  options: { cwd: string; width?: number; height?: number; env?: Readonly<Record<string, string>> },
): TerminalSession {
  const socket = `arbor-test-${process.pid}-${++sessions}`;
  const tmux = (...tmuxArgs: string[]) => execFileSync('tmux', ['-L', socket, ...tmuxArgs], { encoding: 'utf8' });
  const command = [
    'env',
    ...cleared.flatMap((name) => ['-u', name]),
    'TERM=xterm-256color',
    ...Object.entries(options.env ?? {}).map(([name, value]) => quote(`${name}=${value}`)),
    quote(process.execPath),
    quote(path.join(repoRoot, 'bin', 'arbor.js')),
    ...args.map(quote),
  ].join(' ');
  tmux('new-session', '-d', '-s', 'arbor', '-x', String(options.width ?? 120), '-y', String(options.height ?? 40), '-c', options.cwd, `${command}; echo "[exit $?]"; sleep 600`);
  onTestFinished(() => {
    spawnSync('tmux', ['-L', socket, 'kill-server']);
  });
  const screen = () => tmux('capture-pane', '-p', '-t', 'arbor');
  const session: TerminalSession = {
    screen,
    history: () => tmux('capture-pane', '-p', '-t', 'arbor', '-S', '-'),
    keys: (...keys) => {
      for (const key of keys) tmux('send-keys', '-t', 'arbor', key);
    },
    type: (text) => {
      tmux('send-keys', '-t', 'arbor', '-l', text);
    },
    async waitFor(what, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const text = screen();
        if (what.test(text)) return text;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} on the screen:\n${text}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async exited(timeoutMs = 30_000) {
      const text = await session.waitFor(/\[exit \d+\]/, timeoutMs);
      return Number(/\[exit (\d+)\]/.exec(text)![1]);
    },
  };
  return session;
}
