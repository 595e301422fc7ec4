import { input } from '@inquirer/prompts';
import type { Command } from 'commander';
import { decisionActionSchema, decisionsFor, UsageError, type DecisionAction, type TaskNode } from '../../domain/index.js';
import { openStore, type Store } from '../../store/index.js';
import { isInteractive, print, storeArgument, type CommonFlags } from '../command-context.js';
import { ApprovalPrompter } from '../interactive-approvals.js';
import { personName } from '../person-name.js';
import { requireRun } from './resume-command.js';

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
        await requireRun(store, runId);
        const nodes = await store.listNodes(runId);
        const waiting = nodes.filter((node) => node.status === 'awaiting_approval' && node.approval?.decision === null);
        const by = personName();
        const next = `A running \`arbor run\` picks this up within a second; otherwise continue with: arbor resume ${runId}${storeSuffix(flags)}`;
        if (nodeId !== undefined) {
          const node = nodes.find((candidate) => candidate.id === nodeId);
          if (!node) throw new UsageError(`run ${runId} has no node "${nodeId}"`, { hint: `see the node ids with: arbor tree ${runId}` });
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
  if (node.status !== 'awaiting_approval' || !node.approval)
    throw new UsageError(`node ${node.id} "${node.title}" is ${node.status}, not waiting for a decision`, {
      hint: `see which nodes wait with: arbor approve ${node.runId}${storeSuffix(flags)}`,
    });
  if (node.approval.decision)
    throw new UsageError(`node ${node.id} was already decided (${node.approval.decision.action} by ${node.approval.decision.by})`, {
      hint: `nothing to do; continue the run with: arbor resume ${node.runId}${storeSuffix(flags)}`,
    });
  const kind = node.approval.kind;
  const action = chooseAction(kind, flags);
  const allowed: readonly DecisionAction[] = decisionsFor[kind];
  if (!allowed.includes(action))
    throw new UsageError(`"${action}" does not answer ${kind === 'gate' ? 'an approval gate' : 'an escalated node'}`, {
      hint: `use --action ${allowed.join(' | ')}`,
    });
  if ((action === 'reject' || action === 'fail') && !flags.comment?.trim() && isInteractive())
    flags = { ...flags, comment: await input({ message: `Why ${action} ${node.id}? (required):`, required: true }) };
  if ((action === 'reject' || action === 'fail') && !flags.comment?.trim())
    throw new UsageError(`a ${action === 'reject' ? 'rejection' : 'failure'} needs a comment saying why`, {
      hint: `pass --comment "…": arbor approve ${node.runId} ${node.id} --${action === 'reject' ? 'reject' : 'action fail'} --comment "why"`,
    });
  if (action === 'edit' && !flags.description?.trim())
    throw new UsageError('edit needs the new description', { hint: 'pass --description "…"' });
  const result = await store.recordDecision(node.runId, node.id, {
    action,
    comment: flags.comment?.trim() || null,
    description: action === 'edit' ? flags.description!.trim() : null,
    by,
    at: new Date().toISOString(),
    round: node.approval.round,
  });
  if (!result.success)
    throw new UsageError(`decision not recorded: ${result.error}`, {
      hint: `see the node's state with: arbor tree ${node.runId}${storeSuffix(flags)}`,
    });
  print(`Recorded: ${action} ${node.id} "${node.title}" by ${by}.`);
}

function chooseAction(kind: 'gate' | 'escalation', flags: ApproveFlags): DecisionAction {
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
