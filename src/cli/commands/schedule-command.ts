import { Option, type Command } from 'commander';
import { findPlan } from '../../api/plan-folder.js';
import { addSchedule, listScheduleViews, removeSchedule, setSchedulePaused, type ScheduleView } from '../../api/schedules.js';
import { catchUpPolicies, overlapPolicies, type CatchUpPolicy, type OverlapPolicy } from '../../domain/index.js';
import { openStore, type Store } from '../../store/index.js';
import { print, storeArgument, type CommonFlags } from '../command-context.js';
import { formatTable } from '../format-table.js';
import { plansOption, setOption } from './plan-command.js';

interface AddFlags extends CommonFlags {
  cron: string;
  plan: string;
  plans?: string;
  set?: Record<string, string>;
  timezone?: string;
  catchUp?: CatchUpPolicy;
  overlap?: OverlapPolicy;
  llm?: string;
}

/**
 * `arbor schedule add|list|pause|resume|remove` (issue 16): written plans started on a cron schedule,
 * stored in the store and fired by whichever `arbor serve` or `arbor worker` claims each tick.
 */
export function registerScheduleCommand(program: Command): void {
  const schedule = program
    .command('schedule')
    .description('start written plans on a cron schedule, fired by arbor serve or arbor worker');
  schedule
    .command('add')
    .description('store a schedule: its plan is checked now (exit 2 on a problem, nothing stored)')
    .argument('<name>', 'the schedule\'s name, e.g. weekly-review')
    .requiredOption('--cron <expression>', 'when it fires: five fields ("0 9 * * 1": Mondays at 9:00), or six with seconds first')
    .requiredOption('--plan <file|name>', 'the plan it runs: a file, or a plan of the plans folder (arbor plan list)')
    .option(...setOption)
    .option(...plansOption)
    .option('--timezone <tz>', "IANA time zone the cron is read in (default: this machine's)")
    .addOption(
      new Option('--catch-up <policy>', 'a tick missed while no process ran: fire the latest once, or skip them')
        .choices(catchUpPolicies)
        .default('once'),
    )
    .addOption(
      new Option('--overlap <policy>', "a tick while the schedule's last run is still open: start anyway, skip it, or queue it")
        .choices(overlapPolicies)
        .default('skip'),
    )
    .option('--llm <spec>', "model of its runs (default: the firing process's --llm)")
    .action(async (name: string, flags: AddFlags) =>
      withStore(flags, async (store) => {
        const added = await addSchedule({
          store,
          name,
          cron: flags.cron,
          plan: await findPlan(flags.plan, flags.plans),
          ...(flags.set ? { params: flags.set } : {}),
          ...(flags.timezone ? { timezone: flags.timezone } : {}),
          ...(flags.catchUp ? { catchUp: flags.catchUp } : {}),
          ...(flags.overlap ? { overlap: flags.overlap } : {}),
          ...(flags.llm ? { llm: flags.llm } : {}),
        });
        const [view] = (await listScheduleViews(store)).filter((entry) => entry.schedule.name === added.name);
        print(
          `Schedule ${added.name} added: plan ${added.plan.name}, "${added.cron}" in ${added.timezone}, next tick ${
            view?.nextTick ? localTime(view.nextTick, added.timezone) : 'none'
          }.`,
        );
        print(`It fires in arbor serve or arbor worker on this store (${store.location}); see it with: arbor schedule list ${storeArgument(flags)}`.trimEnd());
      }),
    );
  schedule
    .command('list')
    .description('the schedules: next tick (in its time zone), policies, last run and its status')
    .option('--json', 'print the schedules as JSON, each with nextTick and lastRun')
    .action(async (flags: CommonFlags & { json?: boolean }) =>
      withStore(flags, async (store) => {
        const views = await listScheduleViews(store);
        if (flags.json) return print(JSON.stringify(views, null, 2));
        if (views.length === 0)
          return print('No schedules. Add one with: arbor schedule add NAME --cron "0 9 * * 1" --plan FILE');
        const header = ['NAME', 'CRON', 'NEXT TICK', 'CATCH-UP', 'OVERLAP', 'STATE', 'FIRED', 'SKIPPED', 'LAST RUN'];
        for (const line of formatTable([header, ...views.map(row)], [])) print(line);
        for (const { schedule: listed } of views)
          if (listed.lastError) print(`${listed.name}: its last tick started no run: ${listed.lastError}`);
      }),
    );
  for (const [verb, paused, says] of [
    ['pause', true, 'stop firing a schedule until it is resumed'],
    ['resume', false, 'fire a paused schedule again, from its next tick (ticks while paused are not fired)'],
  ] as const)
    schedule
      .command(verb)
      .description(says)
      .argument('<name>', 'the schedule')
      .action(async (name: string, flags: CommonFlags) =>
        withStore(flags, async (store) => {
          await setSchedulePaused(store, name, paused);
          print(`Schedule ${name} ${paused ? 'paused' : 'resumed'}.`);
        }),
      );
  schedule
    .command('remove')
    .description('forget a schedule (its runs stay)')
    .argument('<name>', 'the schedule')
    .action(async (name: string, flags: CommonFlags) =>
      withStore(flags, async (store) => {
        await removeSchedule(store, name);
        print(`Schedule ${name} removed.`);
      }),
    );
}

async function withStore(flags: CommonFlags, work: (store: Store) => Promise<void>): Promise<void> {
  const store = await openStore(flags.store);
  try {
    await work(store);
  } finally {
    await store.close();
  }
}

function row({ schedule, nextTick, lastRun }: ScheduleView): string[] {
  return [
    schedule.name,
    `${schedule.cron} (${schedule.timezone})`,
    nextTick ? localTime(nextTick, schedule.timezone) : '-',
    schedule.catchUp,
    schedule.overlap,
    schedule.paused ? 'paused' : schedule.queuedTick ? 'queued' : 'active',
    String(schedule.fired),
    String(schedule.skipped),
    lastRun ? `${lastRun.id} ${lastRun.status ?? '(gone)'}` : '-',
  ];
}

/** `2026-01-05 09:00:00 Europe/Paris`: a tick as a person in the schedule's time zone reads it. */
function localTime(iso: string, timezone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: timezone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(new Date(iso))
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second} ${timezone}`;
}
