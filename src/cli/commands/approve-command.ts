import type { Command } from 'commander';
import { decisionActionSchema, UsageError, type DecisionAction, type TaskNode } from '../../domain/index.js';
import { openStore, type Store } from '../../store/index.js';
import { isInteractive, print, storeArgument, type CommonFlags } from '../command-context.js';
import { ApprovalPrompter } from '../interactive-approvals.js';
import { recordDecision } from '../../api/decisions.js';
import { personName } from '../../api/person-name.js';
import { getRun, unknownNode } from '../../api/queries.js';

interface ApproveFlags extends CommonFlags {
  reject?: boolean;
  action?: string;
  comment?: string;
  description?: string;
}

/** `arbor approve RUN [NODE]`: decides pending approvals, from any process (DESIGN §5). */
export function registerApproveCommand(program: Command): void {
  program
    .command('approve')
    .description('decide nodes that wait for a person (all of them, one by one, on a terminal without NODE)')
    .argument('<run>', 'run id')
    .argument('[node]', 'node id (see arbor tree RUN)')
    .option('--reject', 'reject a gate (or fail an escalated node) instead of approving it')
    .option('--action <action>', `one of ${decisionActionSchema.options.join(', ')}`)
    .option('--comment <text>', 'why, or guidance for a retry')
    .option('--description <text>', 'edit: the new description the executor gets')
    .action(async (runId: string, nodeId: string | undefined, flags: ApproveFlags) => {
      const store = await openStore(flags.store);
      try {
        await getRun(store, runId);
        const nodes = await store.listNodes(runId);
        const waiting = nodes.filter((node) => node.status === 'awaiting_approval' && node.approval?.decision === null);
        const by = personName();
        const next = `A running \`arbor run\` picks this up within a second; otherwise continue with: arbor resume ${runId}${storeSuffix(flags)}`;
        if (nodeId !== undefined) {
          const node = nodes.find((candidate) => candidate.id === nodeId);
          if (!node) throw unknownNode(runId, nodeId);
          await decideOne(store, node, flags, by);
          print(next);
          return;
        }
        if (waiting.length === 0) {
          print(`Nothing in run ${runId} waits for a decision.`);
          return;
        }
        if (!isInteractive()) {
          waiting.forEach((node) => print(`${node.id}  ${node.title}  — ${node.approval?.reason ?? ''}`));
          throw new UsageError(`${waiting.length} node(s) wait for a decision; name one`, {
            hint: `arbor approve ${runId} NODE [--reject] [--comment TEXT]`,
          });
        }
        const byId = new Map(nodes.map((node) => [node.id, node]));
        const prompter = new ApprovalPrompter({
          decide: (id, decision) => store.recordDecision(runId, id, { ...decision, at: new Date().toISOString() }),
          lookup: (id) => byId.get(id),
          by,
          print,
        });
        waiting.forEach((node) => prompter.request(node));
        await prompter.idle();
        print(next);
      } finally {
        await store.close();
      }
    });
}

async function decideOne(store: Store, node: TaskNode, flags: ApproveFlags, by: string): Promise<void> {
  const action = chooseAction(node, flags);
  let comment = flags.comment;
  // A rejection carries a reason: ask for it on a terminal (off one, the API refuses it without one).
  if ((action === 'reject' || action === 'fail') && !comment?.trim() && isInteractive() && node.status === 'awaiting_approval')
    // The prompt library is loaded only when a person is asked.
    comment = await (await import('@inquirer/prompts')).input({ message: `Why ${action} ${node.id}? (required):`, required: true });
  const decision = await recordDecision(store, node.runId, node.id, {
    action,
    comment,
    description: flags.description,
    by,
  });
  print(`Recorded: ${decision.action} ${node.id} "${node.title}" by ${by}.`);
}

/** The action the flags ask for; checked against the node by {@link recordDecision}. */
function chooseAction(node: TaskNode, flags: ApproveFlags): DecisionAction {
  const kind = node.approval?.kind ?? 'gate';
  // A rejection asked for must not turn into something else (an edit lets the work run).
  const other = flags.action !== undefined ? `--action ${flags.action}` : flags.description !== undefined ? '--description' : null;
  if (flags.reject && other !== null)
    throw new UsageError(`--reject and ${other} ask for different decisions`, {
      hint: '--reject alone rejects (with --comment); --description edits the task (or --action edit); give one of them',
    });
  if (flags.action !== undefined) {
    const parsed = decisionActionSchema.safeParse(flags.action);
    if (!parsed.success)
      throw new UsageError(`unknown --action "${flags.action}"`, { hint: `use one of ${decisionActionSchema.options.join(', ')}` });
    return parsed.data;
  }
  if (flags.description !== undefined) return 'edit';
  if (kind === 'gate') return flags.reject ? 'reject' : 'approve';
  return flags.reject ? 'fail' : 'retry';
}

function storeSuffix(flags: CommonFlags): string {
  const argument = storeArgument(flags);
  return argument ? ` ${argument}` : '';
}
