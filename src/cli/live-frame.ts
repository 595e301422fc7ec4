import { styleText } from 'node:util';
import { isTerminal, nodeStatusSchema, totalTokens, type NodeStatus, type TaskNode, type Usage } from '../domain/index.js';
import { formatCost, formatDuration, formatTokens } from './format-usage.js';
import { statusColors, statusSymbols } from './tree-view.js';

/** What the live view knows about a run at one moment. */
export interface LiveState {
  runId: string;
  nodes: ReadonlyMap<string, TaskNode>;
  rootId: string;
  usage: Usage;
  /** Model calls in flight now. */
  calls: number;
  startedAt: number;
  /** Nodes that finished while this view was watching, for the estimate. */
  finishedHere: number;
}

/** The size of the terminal and the clock. */
export interface FrameOptions {
  rows: number;
  columns: number;
  now: number;
  color: boolean;
}

/** Statuses of work still to do or in progress: their lines stay visible when the frame is full. */
const activeStatuses: ReadonlySet<NodeStatus> = new Set(['running', 'checking', 'awaiting_approval', 'ready']);

/**
 * One frame of the live view: a header (counts per status, elapsed time, tokens, cost, an estimate
 * of what is left), then one line per node as a tree. Finished subtrees fold into their parent's
 * line; when the tree is taller than the terminal, the running frontier and its ancestors stay and
 * the rest is summed up in one line. Every line fits the width, so the frame never wraps.
 */
export function renderLiveFrame(state: LiveState, options: FrameOptions): string[] {
  const paint = (color: Parameters<typeof styleText>[0], text: string) => (options.color ? styleText(color, text) : text);
  const width = Math.max(20, options.columns - 1);
  const children = new Map<string, TaskNode[]>();
  for (const node of state.nodes.values()) {
    if (node.parentId === null) continue;
    const siblings = children.get(node.parentId) ?? [];
    siblings.push(node);
    children.set(node.parentId, siblings);
  }
  for (const siblings of children.values()) siblings.sort((a, b) => a.order - b.order);

  const counts = new Map<NodeStatus, number>();
  for (const node of state.nodes.values()) counts.set(node.status, (counts.get(node.status) ?? 0) + 1);
  const open = [...state.nodes.values()].filter((node) => !isTerminal(node.status)).length;
  const elapsed = options.now - state.startedAt;

  const header1 = fit(
    `Arbor ${state.runId}  ${formatDuration(elapsed)}  ${state.nodes.size} nodes  ${state.calls} call${state.calls === 1 ? '' : 's'} in flight  ${formatTokens(totalTokens(state.usage))} tok  ${formatCost(state.usage.costUsd)}  left: ${estimate(open, state.finishedHere, elapsed)}`,
    width,
  );
  const statusParts = nodeStatusSchema.options
    .filter((status) => (counts.get(status) ?? 0) > 0)
    .map((status) => paint(statusColors[status], `${statusSymbols[status]} ${counts.get(status)} ${status.replace('_', ' ')}`));
  const header = [options.color ? styleText('bold', header1) : header1, fitPainted(statusParts, '  ', width)];

  // Tree lines in order; a finished node with children (below the root) folds them away.
  interface Line {
    node: TaskNode;
    depth: number;
    folded: number;
  }
  const lines: Line[] = [];
  const subtreeSize = (id: string): number => (children.get(id) ?? []).reduce((sum, child) => sum + 1 + subtreeSize(child.id), 0);
  const visit = (node: TaskNode, depth: number) => {
    const kids = children.get(node.id) ?? [];
    const fold = depth > 0 && isTerminal(node.status) && kids.length > 0;
    lines.push({ node, depth, folded: fold ? subtreeSize(node.id) : 0 });
    if (!fold) for (const child of kids) visit(child, depth + 1);
  };
  const root = state.nodes.get(state.rootId);
  if (root) visit(root, 0);

  const room = Math.max(1, options.rows - header.length - 1);
  let shown = lines;
  if (lines.length > room) {
    const keep = new Set<string>();
    for (const line of lines) {
      if (!activeStatuses.has(line.node.status)) continue;
      keep.add(line.node.id);
      for (const ancestor of line.node.ancestors) keep.add(ancestor);
    }
    const budget = room - 1;
    let kept = lines.filter((line) => keep.has(line.node.id));
    if (kept.length > budget) kept = kept.slice(0, budget);
    else {
      const extra = new Set(kept.map((line) => line.node.id));
      for (const line of lines) {
        if (extra.size >= budget) break;
        extra.add(line.node.id);
      }
      kept = lines.filter((line) => extra.has(line.node.id));
    }
    shown = kept;
  }

  const body = shown.map(({ node, depth, folded }) => {
    const indent = '  '.repeat(Math.min(depth, 12));
    const facts: string[] = [];
    if (node.attempts > 1) facts.push(`attempt ${node.attempts}`);
    if (node.usage.calls > 0) facts.push(`${formatTokens(totalTokens(node.usage))} tok`);
    if (folded > 0) facts.push(`${folded} below`);
    if (node.status === 'awaiting_approval') facts.push('needs a decision');
    if (node.error && node.status === 'failed') facts.push(node.error.message);
    const text = fit(`${indent}${statusSymbols[node.status]} ${node.id} ${node.title}${facts.length > 0 ? `  (${facts.join(' · ')})` : ''}`, width);
    const mark = `${indent}${statusSymbols[node.status]}`;
    return options.color && text.startsWith(mark) ? `${indent}${paint(statusColors[node.status], statusSymbols[node.status])}${text.slice(mark.length)}` : text;
  });
  if (shown.length < lines.length) body.push(paint('gray', fit(`… ${lines.length - shown.length} more lines (finished or waiting); arbor tree ${state.runId} shows all`, width)));
  return [...header, ...body];
}

/** `3 open, ~12s` from the pace so far; the tree may still grow, so it is a floor. */
function estimate(open: number, finished: number, elapsedMs: number): string {
  if (open === 0) return 'nothing';
  if (finished === 0 || elapsedMs <= 0) return `${open} open`;
  return `${open} open, ≥${formatDuration((open * elapsedMs) / finished)}`;
}

/** Cuts plain text to `width` characters. */
function fit(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

/** Joins painted parts, leaving out those that would pass `width` visible characters. */
function fitPainted(parts: readonly string[], separator: string, width: number): string {
  let visible = 0;
  const kept: string[] = [];
  for (const part of parts) {
    const length = stripAnsi(part).length + (kept.length > 0 ? separator.length : 0);
    if (visible + length > width) break;
    visible += length;
    kept.push(part);
  }
  return kept.join(separator);
}

function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}
