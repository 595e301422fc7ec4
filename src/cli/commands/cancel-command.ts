import { hostname } from 'node:os';
import type { Command } from 'commander';
import { UsageError } from '../../domain/index.js';
import { cancelRun } from '../../engine/index.js';
import { openStore } from '../../store/index.js';
import { print, storeArgument, type CommonFlags } from '../command-context.js';
import { personName } from '../person-name.js';
import { requireRun } from './resume-command.js';

/** `arbor cancel RUN`: marks a run cancelled; a process driving it notices within a second and stops. */
export function registerCancelCommand(program: Command): void {
  program
    .command('cancel')
    .description('cancel a run: unfinished nodes become cancelled; a process driving it stops (resume continues it)')
    .argument('<run>', 'run id')
    .option('--reason <text>', 'why, recorded on the run and its nodes')
    .action(async (runId: string, flags: CommonFlags & { reason?: string }) => {
      const store = await openStore(flags.store);
      try {
        const run = await requireRun(store, runId);
        if (run.status === 'completed' || run.status === 'cancelled') {
          print(`Run ${runId} is already ${run.status}.`);
          return;
        }
        const reason = flags.reason?.trim() || `cancelled by ${personName()}`;
        const suffix = storeArgument(flags) ? ` ${storeArgument(flags)}` : '';
        let lock;
        try {
          lock = await store.acquireRun(runId, `${hostname()}:${process.pid}`);
        } catch (error) {
          if (!(error instanceof UsageError)) throw error;
          // A live process drives the run: it polls the run's status, stops, and cancels the nodes itself.
          await store.updateRun(runId, { status: 'cancelled', stopReason: { kind: 'cancelled', message: reason }, updatedAt: new Date().toISOString() });
          print(`Run ${runId} is being cancelled: the process driving it stops within a second or two.`);
          print(`Continue it later with: arbor resume ${runId}${suffix}`);
          return;
        }
        try {
          const { cancelled, undecided, decided } = await cancelRun({ store, runId, actor: personName(), reason });
          if (decided > 0) print(`Applied ${decided} decision${decided === 1 ? '' : 's'} recorded before the cancel.`);
          const waited = undecided > 0 ? `, ${undecided} of them waiting for a decision` : '';
          print(`Run ${runId} cancelled (${cancelled} unfinished node${cancelled === 1 ? '' : 's'} cancelled${waited}).`);
          const askAgain = undecided > 0 ? ` (it asks again for the ${undecided === 1 ? 'decision' : 'decisions'})` : '';
          print(`Continue it later with: arbor resume ${runId}${suffix}${askAgain}`);
        } finally {
          await lock.release();
        }
      } finally {
        await store.close();
      }
    });
}
