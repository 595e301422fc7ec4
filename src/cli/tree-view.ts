import { styleText } from 'node:util';
import { addUsage, totalTokens, type NodeStatus, type TaskNode, type Usage } from '../domain/index.js';
import type { TreeNode } from '../api/queries.js';
import { formatUsage } from './format-usage.js';

export { assembleTree, type TreeNode } from '../api/queries.js';

/** One symbol per status, the same in `tree`, the live view and exports. */
export const statusSymbols: Record<NodeStatus, string> = {
  pending: '·',
  ready: '○',
  running: '▶',
  decomposed: '▿',
  checking: '?',
  awaiting_approval: '⏸',
  completed: '✓',
  failed: '✗',
  skipped: '–',
  cancelled: '⊘',
};

/** One colour per status. */
export const statusColors: Record<NodeStatus, Parameters<typeof styleText>[0]> = {
  pending: 'gray',
  ready: 'white',
  running: 'cyan',
  decomposed: 'blue',
  checking: 'magenta',
  awaiting_approval: 'yellow',
  completed: 'green',
  failed: 'red',
  skipped: 'gray',
  cancelled: 'gray',
};

/** Usage of a node and everything under it. */
export function subtreeUsage(node: TreeNode): Usage {
  return node.children.reduce((sum, child) => addUsage(sum, subtreeUsage(child)), { ...node.usage });
}

/** What `arbor tree` shows: nodes down to `depth`, and only those with a status in `statuses` (plus their ancestors). */
export interface TreeFilter {
  depth?: number;
  statuses?: readonly NodeStatus[];
}

/** A tree node as rendered: its subtree totals, and how many children a filter hid. */
export type ViewNode = TaskNode & { children: ViewNode[]; total: Usage; hidden: number };

/**
 * Applies a filter; subtree totals are computed on the whole tree first, so a filtered view still
 * shows what each branch cost. The root always stays.
 */
export function filterTree(root: TreeNode, filter: TreeFilter = {}): ViewNode {
  const statuses = filter.statuses && filter.statuses.length > 0 ? new Set(filter.statuses) : null;
  const matches = (node: TreeNode): boolean =>
    (statuses === null || statuses.has(node.status)) && (filter.depth === undefined || node.depth <= filter.depth);
  const visit = (node: TreeNode): ViewNode | null => {
    const children = node.children.map(visit).filter((child): child is ViewNode => child !== null);
    const withinDepth = filter.depth === undefined || node.depth < filter.depth;
    const shown = withinDepth ? children : [];
    if (node.parentId !== null && !matches(node) && shown.length === 0) return null;
    const total = subtreeUsage(node);
    return { ...node, children: shown, total, hidden: node.children.length - shown.length };
  };
  return visit(root)!;
}

/** The tree as indented text lines: status symbol, title, attempt and tokens/cost; colour only when asked. */
export function renderTree(root: TreeNode, options: { color: boolean; filter?: TreeFilter }): string[] {
  const lines: string[] = [];
  const visit = (node: ViewNode, prefix: string, last: boolean, isRoot: boolean) => {
    const branch = isRoot ? '' : last ? '└─ ' : '├─ ';
    const mark = `${statusSymbols[node.status]} ${node.status}`;
    const status = options.color ? styleText(statusColors[node.status], mark) : mark;
    const extra = node.status === 'awaiting_approval' && node.approval
      ? `  — ${node.approval.decision ? `decided: ${node.approval.decision.action}` : node.approval.reason}`
      : node.error
        ? `  — ${node.error.message}`
        : '';
    // Which path of a written fallback ran (issue 16): the fallback names the step it stands in for.
    const path = node.fallbackFor !== undefined ? `  (fallback of ${node.fallbackFor})` : node.fallbackId !== undefined ? `  (fallback: ${node.fallbackId})` : '';
    const facts = `${nodeFacts(node)}${path}`;
    const hidden = node.hidden > 0 ? `  (+${node.hidden} hidden)` : '';
    const text = `${facts}${hidden}`;
    lines.push(`${prefix}${branch}${node.id}  ${status}  ${node.title}${options.color && text ? styleText('gray', text) : text}${extra}`);
    const childPrefix = isRoot ? '' : prefix + (last ? '   ' : '│  ');
    node.children.forEach((child, index) => visit(child, childPrefix, index === node.children.length - 1, false));
  };
  visit(filterTree(root, options.filter), '', true, true);
  return lines;
}

/**
 * `  [attempt 2 · 1.2k tok · $0.0031]` for a leaf, `  [Σ 4.5k tok · $0.0100]` for a parent, with
 * `worker W` when a worker of a shared run claimed it.
 */
function nodeFacts(node: ViewNode): string {
  const parent = node.children.length > 0 || node.hidden > 0;
  const parts: string[] = [];
  if (parent) {
    if (totalTokens(node.total) > 0) parts.push(`Σ ${formatUsage(node.total)}`);
    if (node.worker) parts.push(`worker ${node.worker}`);
    return parts.length > 0 ? `  [${parts.join(' · ')}]` : '';
  }
  if (node.attempts > 0) parts.push(`attempt ${node.attempts}`);
  if (node.usage.calls > 0) parts.push(formatUsage(node.usage));
  if (node.worker) parts.push(`worker ${node.worker}`);
  return parts.length > 0 ? `  [${parts.join(' · ')}]` : '';
}
