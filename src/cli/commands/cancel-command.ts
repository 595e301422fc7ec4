import type { Command } from 'commander';
import { cancelRun } from '../../api/cancel.js';
import { openStore } from '../../store/index.js';
import { print, storeArgument, type CommonFlags } from '../command-context.js';

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
        const outcome = await cancelRun(store, runId, { reason: flags.reason });
        const suffix = storeArgument(flags) ? ` ${storeArgument(flags)}` : '';
        switch (outcome.kind) {
          case 'over':
            print(`Run ${runId} is already ${outcome.status}.`);
            return;
          case 'signalled':
            print(`Run ${runId} is being cancelled: the process driving it, or its workers, stop within a second or two.`);
            print(`Continue it later with: arbor resume ${runId}${suffix}`);
            return;
          case 'cancelled': {
            const { cancelled, undecided, decided } = outcome;
            if (decided > 0) print(`Applied ${decided} decision${decided === 1 ? '' : 's'} recorded before the cancel.`);
            const waited = undecided > 0 ? `, ${undecided} of them waiting for a decision` : '';
            print(`Run ${runId} cancelled (${cancelled} unfinished node${cancelled === 1 ? '' : 's'} cancelled${waited}).`);
            const askAgain = undecided > 0 ? ` (it asks again for the ${undecided === 1 ? 'decision' : 'decisions'})` : '';
            print(`Continue it later with: arbor resume ${runId}${suffix}${askAgain}`);
          }
        }
      } finally {
        await store.close();
      }
    });
}
