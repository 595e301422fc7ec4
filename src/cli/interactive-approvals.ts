import { decisionsFor, type Decision, type DecisionAction, type Result, type TaskNode } from '../domain/index.js';

/** The prompt library, loaded when a person is first asked: runs off a terminal never need it. */
const prompts = () => import('@inquirer/prompts');

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

/** Options of {@link ApprovalPrompter}. */
export interface ApprovalPrompterOptions {
  decide: DecideFunction;
  lookup: (id: string) => TaskNode | undefined;
  by: string;
  print: (text: string) => void;
  /** Called while a prompt is open / after it closes, so progress output can hold its lines. */
  onPromptOpen?: (open: boolean) => void;
  /** Ctrl-C while a prompt is open (the prompt owns the keyboard then, so no SIGINT arrives). */
  onInterrupt?: () => void;
  /** Use `$VISUAL`/`$EDITOR` for edits when set (default); tests and dumb terminals type the text instead. */
  useEditor?: boolean;
  /** The environment that names an editor (`ARBOR_EDITOR`); default: this process's. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Asks a person at the terminal, one waiting node at a time: several requests queue and are
 * answered in turn while the rest of the tree keeps running. A node decided elsewhere meanwhile
 * (another terminal, `arbor approve`) closes its open prompt and says so.
 */
export class ApprovalPrompter {
  private readonly queue: TaskNode[] = [];
  private busy = false;
  private idleWaiters: Array<() => void> = [];
  private open: { nodeId: string; controller: AbortController } | null = null;

  constructor(private readonly options: ApprovalPrompterOptions) {}

  /** Queues a node for a decision. */
  request(node: TaskNode): void {
    if (this.queue.some((queued) => queued.id === node.id) || this.open?.nodeId === node.id) return;
    this.queue.push(node);
    void this.drain();
  }

  /** The node no longer waits (decided elsewhere, cancelled): drop it from the queue, close its prompt. */
  withdraw(nodeId: string, why: string): void {
    const index = this.queue.findIndex((queued) => queued.id === nodeId);
    if (index >= 0) this.queue.splice(index, 1);
    if (this.open?.nodeId === nodeId) this.open.controller.abort(new Error(why));
  }

  /** Closes the open prompt and forgets the queue (the run stopped). */
  closeAll(why: string): void {
    this.queue.length = 0;
    this.open?.controller.abort(new Error(why));
  }

  /** Resolves once no prompt is open and none is queued. */
  idle(): Promise<void> {
    if (!this.busy && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * The edited description: typed inline, several lines ended by an empty one (the default: npm sets
   * EDITOR=vi for every script, so EDITOR alone does not mean the user wants an editor), or in the
   * editor `ARBOR_EDITOR` names. An editor that fails falls back to typing, so nothing is lost.
   */
  private async newDescription(node: TaskNode, context: { signal: AbortSignal }): Promise<string> {
    const env = this.options.env ?? process.env;
    const chosen = env.ARBOR_EDITOR?.trim();
    if (chosen && (this.options.useEditor ?? true)) {
      const previous = process.env.VISUAL;
      process.env.VISUAL = chosen;
      try {
        return await (await prompts()).editor({ message: `New description (opens ${chosen}):`, default: node.description }, context);
      } catch (error) {
        if (context.signal.aborted) throw error;
        this.options.print(`The editor failed (${(error as Error).message}); type the description instead.`);
      } finally {
        if (previous === undefined) delete process.env.VISUAL;
        else process.env.VISUAL = previous;
      }
    }
    this.options.print('New description: type it line by line, then Enter on an empty line (nothing typed keeps the current one).');
    const lines: string[] = [];
    for (;;) {
      const line = await (await prompts()).input({ message: '›' }, context);
      if (line === '') return lines.join('\n');
      lines.push(line);
    }
  }

  private async drain(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.options.onPromptOpen?.(true);
    try {
      for (let node = this.queue.shift(); node; node = this.queue.shift()) {
        const current = this.options.lookup(node.id) ?? node;
        if (current.status !== 'awaiting_approval' || !current.approval || current.approval.decision) continue;
        const controller = new AbortController();
        this.open = { nodeId: current.id, controller };
        try {
          await this.ask(current, controller.signal);
        } catch (error) {
          if (controller.signal.aborted) {
            const why = controller.signal.reason instanceof Error ? controller.signal.reason.message : 'closed';
            this.options.print(`Prompt for node ${current.id} closed: ${why}`);
          } else if (error instanceof Error && error.name === 'ExitPromptError') {
            this.queue.length = 0;
            this.options.onInterrupt?.();
          } else throw error;
        } finally {
          this.open = null;
        }
      }
    } finally {
      this.busy = false;
      this.options.onPromptOpen?.(false);
      for (const waiter of this.idleWaiters.splice(0)) waiter();
    }
  }

  private async ask(node: TaskNode, signal: AbortSignal): Promise<void> {
    const approval = node.approval!;
    const context = { signal };
    this.options.print(`\n${describeWaitingNode(node, this.options.lookup)}\n`);
    const action = await (await prompts()).select<DecisionAction>(
      {
        message: approval.kind === 'gate' ? `Approve node ${node.id}?` : `Node ${node.id}: its checks kept failing. What now?`,
        choices: decisionsFor[approval.kind].map((value) => ({ value, name: labels[value] })),
      },
      context,
    );
    let comment: string | null = null;
    let description: string | null = null;
    if (action === 'edit') {
      description = (await this.newDescription(node, context)).trim() || node.description;
    }
    if (action !== 'approve' && action !== 'edit') {
      const text = await (await prompts()).input(
        { message: action === 'retry' ? 'Guidance for the executor:' : 'Comment (required):', required: action !== 'retry' },
        context,
      );
      comment = text.trim() || null;
    }
    const result = await this.options.decide(node.id, { action, comment, description, by: this.options.by, round: approval.round });
    this.options.print(result.success ? `Recorded: ${action} ${node.id}` : `Not recorded: ${result.error}`);
  }
}
