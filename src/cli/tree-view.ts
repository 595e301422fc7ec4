import { styleText } from 'node:util';
import type { NodeStatus, Run, TaskNode } from '../domain/index.js';

/** A node with its children, as `arbor tree --json` prints it (DESIGN §5). */
export type TreeNode = TaskNode & { children: TreeNode[] };

/** Nests a run's flat node list under its root. */
export function assembleTree(run: Run, nodes: readonly TaskNode[]): TreeNode {
  const byId = new Map<string, TreeNode>(nodes.map((node) => [node.id, { ...node, children: [] }]));
  for (const node of byId.values()) {
    if (node.parentId !== null) byId.get(node.parentId)?.children.push(node);
  }
  for (const node of byId.values()) node.children.sort((a, b) => a.order - b.order);
  const root = byId.get(run.rootId);
  if (!root) throw new Error(`run ${run.id} has no root node`);
  return root;
}

const symbols: Record<NodeStatus, string> = {
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

const colors: Record<NodeStatus, Parameters<typeof styleText>[0]> = {
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

/** The tree as indented text lines with a status symbol per node; colour only when asked. */
export function renderTree(root: TreeNode, options: { color: boolean }): string[] {
  const lines: string[] = [];
  const visit = (node: TreeNode, prefix: string, last: boolean, isRoot: boolean) => {
    const branch = isRoot ? '' : last ? '└─ ' : '├─ ';
    const mark = `${symbols[node.status]} ${node.status}`;
    const status = options.color ? styleText(colors[node.status], mark) : mark;
    const extra = node.status === 'awaiting_approval' && node.approval
      ? `  — ${node.approval.decision ? `decided: ${node.approval.decision.action}` : node.approval.reason}`
      : node.error
        ? `  — ${node.error.message}`
        : '';
    lines.push(`${prefix}${branch}${node.id}  ${status}  ${node.title}${extra}`);
    const childPrefix = isRoot ? '' : prefix + (last ? '   ' : '│  ');
    node.children.forEach((child, index) => visit(child, childPrefix, index === node.children.length - 1, false));
  };
  visit(root, '', true, true);
  return lines;
}
