import { input, select } from '@inquirer/prompts';
import { decisionsFor, type Decision, type DecisionAction, type Result, type TaskNode } from '../domain/index.js';

/** Who decides: records the decision and tells whether it was taken. */
export type DecideFunction = (
  nodeId: string,
  decision: Omit<Decision, 'round' | 'at'> & { round: number },
) => Promise<Result<void>>;

const labels: Record<DecisionAction, string> = {
  approve: 'Approve — let it run',
  reject: 'Reject — skip it (with a comment)',
  edit: 'Edit — change the description, then run it',
  retry: 'Retry — another round of attempts, with guidance',
  skip: 'Skip — leave it undone',
  fail: 'Fail — mark it failed',
};

/** Describes a waiting node for a person: title, reason, place in the tree, dependencies. */
export function describeWaitingNode(node: TaskNode, lookup: (id: string) => TaskNode | undefined): string {
  const lines = [
    `Node ${node.id}: ${node.title}`,
    `Why: ${node.approval?.reason ?? 'flagged for approval'}`,
    `Where: ${[...node.ancestors.map((id) => lookup(id)?.title ?? id), node.title].join(' › ')}`,
  ];
  if (node.dependsOn.length > 0)
    lines.push(`After: ${node.dependsOn.map((id) => `${id} ${lookup(id)?.title ?? ''}`.trim()).join('; ')}`);
  lines.push('', node.description);
  return lines.join('\n');
}

/**
 * Asks a person at the terminal, one waiting node at a time: several requests queue and are
 * answered in turn while the rest of the tree keeps running.
 */
export class ApprovalPrompter {
  private readonly queue: TaskNode[] = [];
  private busy = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly options: {
      decide: DecideFunction;
      lookup: (id: string) => TaskNode | undefined;
      by: string;
      print: (text: string) => void;
      /** Called while a prompt is open / after it closes, so progress output can hold its lines. */
      onPromptOpen?: (open: boolean) => void;
    },
  ) {}

  /** Queues a node for a decision. */
  request(node: TaskNode): void {
    if (this.queue.some((queued) => queued.id === node.id)) return;
    this.queue.push(node);
    void this.drain();
  }

  /** Resolves once no prompt is open and none is queued. */
  idle(): Promise<void> {
    if (!this.busy && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async drain(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.options.onPromptOpen?.(true);
    try {
      for (let node = this.queue.shift(); node; node = this.queue.shift()) {
        const current = this.options.lookup(node.id) ?? node;
        if (current.status !== 'awaiting_approval' || !current.approval) continue;
        await this.ask(current);
      }
    } finally {
      this.busy = false;
      this.options.onPromptOpen?.(false);
      for (const waiter of this.idleWaiters.splice(0)) waiter();
    }
  }

  private async ask(node: TaskNode): Promise<void> {
    const approval = node.approval!;
    this.options.print(`\n${describeWaitingNode(node, this.options.lookup)}\n`);
    const action = await select<DecisionAction>({
      message: approval.kind === 'gate' ? 'Approve this task?' : 'Its checks kept failing. What now?',
      choices: decisionsFor[approval.kind].map((value) => ({ value, name: labels[value] })),
    });
    let comment: string | null = null;
    let description: string | null = null;
    if (action === 'edit') description = await input({ message: 'New description:', default: node.description });
    if (action !== 'approve' && action !== 'edit') {
      const text = await input({ message: action === 'retry' ? 'Guidance for the executor:' : 'Comment:' });
      comment = text.trim() || null;
    }
    const result = await this.options.decide(node.id, { action, comment, description, by: this.options.by, round: approval.round });
    this.options.print(result.success ? `Recorded: ${action} ${node.id}` : `Not recorded: ${result.error}`);
  }
}
