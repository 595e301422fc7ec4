import { Command, CommanderError } from 'commander';
import { ArborError, StoreError, UsageError } from '../domain/index.js';
import { registerApproveCommand } from './commands/approve-command.js';
import { registerCancelCommand } from './commands/cancel-command.js';
import { registerExportCommand } from './commands/export-command.js';
import { registerHistoryCommand } from './commands/history-command.js';
import { registerLogsCommand } from './commands/logs-command.js';
import { registerPlanCommand } from './commands/plan-command.js';
import { registerResumeCommand } from './commands/resume-command.js';
import { registerRunCommand } from './commands/run-command.js';
import { registerRunsCommand } from './commands/runs-command.js';
import { registerScheduleCommand } from './commands/schedule-command.js';
import { registerServeCommand } from './commands/serve-command.js';
import { registerShowCommand } from './commands/show-command.js';
import { registerStatsCommand } from './commands/stats-command.js';
import { registerTreeCommand } from './commands/tree-command.js';
import { registerWebhooksCommand } from './commands/webhooks-command.js';
import { registerWorkerCommand } from './commands/worker-command.js';
import { registerWorkersCommand } from './commands/workers-command.js';
import { exitCodes } from './exit-codes.js';
import { applyHeapPolicy } from './heap-policy.js';
import { redactSecrets } from './logger.js';
import { runnableHints } from './runnable-hints.js';

/** Builds the `arbor` command line. */
export function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command('arbor')
    .description('Recursive LLM agent-tree runtime: plan, sequence, execute, check and approve a tree of work.')
    .option('--store <dir|uri>', 'where runs are stored (default: ARBOR_STORE, then MONGODB_URI, then .arbor/)')
    .option('-v, --verbose', 'more detail on the console')
    .showHelpAfterError('see arbor --help')
    .exitOverride();
  program.configureHelp({ showGlobalOptions: true });
  registerRunCommand(program, setExitCode);
  registerResumeCommand(program, setExitCode);
  registerPlanCommand(program);
  registerApproveCommand(program);
  registerTreeCommand(program);
  registerRunsCommand(program);
  registerShowCommand(program);
  registerHistoryCommand(program);
  registerStatsCommand(program);
  registerLogsCommand(program);
  registerExportCommand(program);
  registerCancelCommand(program);
  registerWorkerCommand(program);
  registerWorkersCommand(program);
  registerServeCommand(program);
  registerWebhooksCommand(program);
  registerScheduleCommand(program);
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
  const program = buildProgram((code) => (exitCode = code));
  try {
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
