import { Command, CommanderError, Help } from 'commander';
// Not domain/index.js: `arbor --help` would build every schema of the domain first.
import { ArborError, StoreError, UsageError } from '../domain/errors.js';
import { exitCodes } from './exit-codes.js';
import { applyHeapPolicy, applyShortCommandHeapPolicy } from './heap-policy.js';
import { redactSecrets } from './redact-secrets.js';
import { runnableHints } from './runnable-hints.js';

/** Adds one command, with its options and action, to the program (each `commands/NAME-command.ts` exports one). */
type RegisterCommand = (program: Command, setExitCode: (code: number) => void) => void;

/** A command as `arbor --help` lists it, and where its module is. */
interface CommandEntry {
  name: string;
  /** What `arbor --help` shows for it: the name, `[options]` when it has any, and its arguments. */
  term: string;
  description: string;
  /** A command that drives runs or serves for long (it keeps V8's growing young generation, see heap-policy.ts). */
  longRunning?: true;
  load: () => Promise<RegisterCommand>;
}

/**
 * The commands, in the order `arbor --help` lists them. Only the command that runs (or whose help
 * is asked for) has its module loaded: the rest are listed from `term` and `description`, so a
 * start does not load every command's options and all they import (issue 17 §1).
 *
 * To add a command: write `commands/NAME-command.ts` exporting `registerNameCommand(program,
 * setExitCode?)` as the others do, and add one row here:
 *   { name: 'NAME', term: 'NAME [options] <run>', description: '…',
 *     load: async () => (await import('./commands/NAME-command.js')).registerNameCommand },
 * with `term` and `description` as the command's own help shows them (main.test.ts fails when
 * they differ, and when a command module has no row), and `longRunning: true` when the command
 * drives runs or keeps serving (as `run`, `worker` and `serve` do).
 */
export const commandEntries: readonly CommandEntry[] = [
  {
    name: 'run',
    longRunning: true,
    term: 'run [options]',
    description: 'start a run: plan, sequence, execute, check and approve a tree of work',
    load: async () => (await import('./commands/run-command.js')).registerRunCommand,
  },
  {
    name: 'resume',
    longRunning: true,
    term: 'resume [options] <run>',
    description: 'continue a run from its stored state',
    load: async () => (await import('./commands/resume-command.js')).registerResumeCommand,
  },
  {
    name: 'plan',
    term: 'plan',
    description: 'plans you write: check them, list the templates, print the JSON Schema',
    load: async () => (await import('./commands/plan-command.js')).registerPlanCommand,
  },
  {
    name: 'approve',
    term: 'approve [options] <run> [node]',
    description: 'decide nodes that wait for a person (all of them, one by one, on a terminal without NODE)',
    load: async () => (await import('./commands/approve-command.js')).registerApproveCommand,
  },
  {
    name: 'tree',
    term: 'tree [options] <run>',
    description: 'show a run as a tree with statuses, attempts and tokens/cost (subtree totals on parents)',
    load: async () => (await import('./commands/tree-command.js')).registerTreeCommand,
  },
  {
    name: 'runs',
    term: 'runs [options]',
    description: 'list runs, newest first',
    load: async () => (await import('./commands/runs-command.js')).registerRunsCommand,
  },
  {
    name: 'show',
    term: 'show [options] <run> <node>',
    description:
      "one node's full record: description, approval, attempts and checks, result, artifacts, usage, timings, events, and the prompt each role was sent with its answer",
    load: async () => (await import('./commands/show-command.js')).registerShowCommand,
  },
  {
    name: 'history',
    term: 'history [options] <run>',
    description: "a run's stored transitions as numbered checkpoints: time, node, from → to status, by whom and why",
    load: async () => (await import('./commands/history-command.js')).registerHistoryCommand,
  },
  {
    name: 'stats',
    term: 'stats [options] <run>',
    description:
      "where a run's time and money went: wall time against its lower bound, the critical path, the slowest nodes, calls, tokens and cost by role, model and top-level task, checks, retries, re-asks and time waiting for people",
    load: async () => (await import('./commands/stats-command.js')).registerStatsCommand,
  },
  {
    name: 'logs',
    term: 'logs [options] <run>',
    description: "print a run's log readably (--follow: keep printing until the run ends)",
    load: async () => (await import('./commands/logs-command.js')).registerLogsCommand,
  },
  {
    name: 'export',
    term: 'export [options] <run>',
    description:
      'write a run out: nested JSON, a markdown report with every result, or a Mermaid graph of the tree and its dependencies',
    load: async () => (await import('./commands/export-command.js')).registerExportCommand,
  },
  {
    name: 'cancel',
    term: 'cancel [options] <run>',
    description: 'cancel a run: unfinished nodes become cancelled; a process driving it stops (resume continues it)',
    load: async () => (await import('./commands/cancel-command.js')).registerCancelCommand,
  },
  {
    name: 'worker',
    longRunning: true,
    term: 'worker [options]',
    description: 'work on open runs alongside other workers sharing one MongoDB',
    load: async () => (await import('./commands/worker-command.js')).registerWorkerCommand,
  },
  {
    name: 'workers',
    term: 'workers [options]',
    description: 'list live workers and the calls each is running',
    load: async () => (await import('./commands/workers-command.js')).registerWorkersCommand,
  },
  {
    name: 'serve',
    longRunning: true,
    term: 'serve [options]',
    description: 'serve runs over HTTP: REST under /v1, a live event stream, approvals (README "Arbor as a service")',
    load: async () => (await import('./commands/serve-command.js')).registerServeCommand,
  },
  {
    name: 'webhooks',
    term: 'webhooks [options] <run>',
    description:
      "list a run's webhook deliveries: event, node, URL, attempts, delivered/pending/given up, last error",
    load: async () => (await import('./commands/webhooks-command.js')).registerWebhooksCommand,
  },
  {
    name: 'schedule',
    term: 'schedule',
    description: 'start written plans on a cron schedule, fired by arbor serve or arbor worker',
    load: async () => (await import('./commands/schedule-command.js')).registerScheduleCommand,
  },
];

/** The global options that take a value (`--store DIR` comes before the command too). */
const globalOptionsWithValue = new Set(['--store']);

/**
 * The command `argv` runs, or whose help it asks for (`arbor help NAME`): its first word that is
 * not a global option or its value. Undefined for `arbor`, `arbor --help` and the like.
 */
export function commandNamed(argv: readonly string[]): string | undefined {
  for (let index = 0; index < argv.length; index++) {
    const word = argv[index]!;
    if (word === '--') return argv[index + 1];
    if (globalOptionsWithValue.has(word)) index += 1;
    else if (!word.startsWith('-')) return word === 'help' ? argv[index + 1] : word;
  }
  return undefined;
}

/**
 * Builds the `arbor` command line with the commands `load` picks loaded in full (by default all of
 * them); every other command is listed by name and description only, and cannot run.
 */
export async function buildProgram(
  setExitCode: (code: number) => void,
  load: (name: string) => boolean = () => true,
): Promise<Command> {
  const program = new Command('arbor')
    .description('Recursive LLM agent-tree runtime: plan, sequence, execute, check and approve a tree of work.')
    .option('--store <dir|uri>', 'where runs are stored (default: ARBOR_STORE, then MONGODB_URI, then .arbor/)')
    .option('-v, --verbose', 'more detail on the console')
    .showHelpAfterError('see arbor --help')
    .exitOverride();
  // A command listed without its module has no options or arguments to show: its term stands in.
  const listedTerms = new Map<Command, string>();
  const help = new Help();
  program.configureHelp({
    showGlobalOptions: true,
    subcommandTerm: (command) => listedTerms.get(command) ?? help.subcommandTerm(command),
  });
  for (const entry of commandEntries) {
    if (load(entry.name)) {
      (await entry.load())(program, setExitCode);
      continue;
    }
    const listed = program
      .command(entry.name)
      .description(entry.description)
      .action(() => {
        throw new Error(`arbor ${entry.name} ran without its module loaded`);
      });
    listedTerms.set(listed, entry.term);
  }
  // A bad flag gets its message, a "did you mean" where one fits, and where to read more: not the whole help.
  for (const command of program.commands) command.showHelpAfterError(`see arbor ${command.name()} --help`);
  // Global options reach every command's action.
  program.hook('preAction', (_program, action) => {
    action.setOptionValue('store', action.getOptionValue('store') ?? program.getOptionValue('store'));
    action.setOptionValue('verbose', action.getOptionValue('verbose') ?? program.getOptionValue('verbose'));
  });
  return program;
}

/** Runs the CLI and returns the exit status (DESIGN §5): errors are messages, not stack traces. */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode: number = exitCodes.completed;
  try {
    // Only the command that runs is loaded (see commandEntries).
    const named = commandNamed(argv);
    const program = await buildProgram((code) => (exitCode = code), (name) => name === named);
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(error);
  }
}

/** What to do about an error that names no fix of its own: usually one Arbor did not expect. */
function fallbackFix(error: unknown): string {
  if (error instanceof StoreError) return 'check that the store is reachable and writable; run again with ARBOR_DEBUG=1 for details';
  return 'run again with ARBOR_DEBUG=1 for the stack trace, and report it if it looks like a bug in Arbor';
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0) return 0;
    return exitCodes.usage;
  }
  const message = String(redactSecrets(error instanceof Error ? error.message : String(error)));
  process.stderr.write(`error: ${runnableHints(message)}\n`);
  const hint = error instanceof ArborError && error.hint ? String(redactSecrets(error.hint)) : fallbackFix(error);
  process.stderr.write(`  fix: ${runnableHints(hint)}\n`);
  if (process.env.ARBOR_DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  return error instanceof UsageError ? exitCodes.usage : exitCodes.failed;
}

const isEntryPoint = process.argv[1] !== undefined && /[\\/](main\.(ts|js)|arbor(\.js)?)$/.test(process.argv[1]);
if (isEntryPoint) {
  applyHeapPolicy();
  const named = commandNamed(process.argv.slice(2));
  if (!commandEntries.find((entry) => entry.name === named)?.longRunning) applyShortCommandHeapPolicy();
  // `arbor tree RUN | head` closes the pipe early; that is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  const code = await main(process.argv.slice(2));
  // Let stdout drain before exiting; open handles (timers, sockets) must not keep the CLI alive.
  process.exitCode = code;
  setTimeout(() => process.exit(code), 50).unref();
}
