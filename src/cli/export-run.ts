import type { Run } from '../domain/index.js';
import { formatUsage } from './format-usage.js';
import { statusSymbols, subtreeUsage, type TreeNode } from './tree-view.js';

/** The formats of `arbor export`. */
export const exportFormats = ['json', 'markdown', 'mermaid'] as const;

/** One of the formats of `arbor export`. */
export type ExportFormat = (typeof exportFormats)[number];

/** A run in one of the export formats, as text ending with a newline. */
export function exportRun(format: ExportFormat, run: Run, root: TreeNode): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify({ run, root }, null, 2)}\n`;
    case 'markdown':
      return markdownReport(run, root);
    case 'mermaid':
      return mermaidGraph(root);
  }
}

/** A readable report: the run's figures, then every node as a heading with its result. */
export function markdownReport(run: Run, root: TreeNode): string {
  const lines: string[] = [
    `# ${oneLine(run.prompt)}`,
    '',
    `Run \`${run.id}\` · **${run.status}** · ${run.nodeCount} nodes · ${run.usage.calls} LLM calls · ${formatUsage(run.usage)}`,
    `Started ${run.createdAt}${run.endedAt ? ` · ended ${run.endedAt}` : ''}${run.stopReason ? ` · ${run.stopReason.message}` : ''}`,
  ];
  const visit = (node: TreeNode) => {
    const level = Math.min(node.depth + 2, 6);
    lines.push('', `${'#'.repeat(level)} ${node.id} ${oneLine(node.title)}`, '');
    const facts = [`${statusSymbols[node.status]} ${node.status}`];
    if (node.children.length > 0) facts.push(`subtree ${formatUsage(subtreeUsage(node))}`);
    else if (node.usage.calls > 0) facts.push(`attempt ${node.attempts}`, formatUsage(node.usage));
    if (node.dependsOn.length > 0) facts.push(`after ${node.dependsOn.join(', ')}`);
    if (node.integration) facts.push('integration step');
    lines.push(`*${facts.join(' · ')}*`);
    if (node.depth > 0) lines.push('', node.description.trim());
    if (node.approval?.decision) {
      const decision = node.approval.decision;
      lines.push('', `> ${node.approval.kind === 'gate' ? 'Approval' : 'Escalation'}: **${decision.action}** by ${decision.by}${decision.comment ? ` — ${oneLine(decision.comment)}` : ''}`);
    } else if (node.approval && node.status === 'awaiting_approval') {
      lines.push('', `> Waiting for a person: ${oneLine(node.approval.reason)}`);
    }
    if (node.error) lines.push('', `> **${node.error.kind} error:** ${oneLine(node.error.message)}`);
    if (node.result) {
      lines.push('', `**Result:** ${node.result.summary.trim()}`);
      if (node.result.output.trim() && node.children.length === 0) lines.push('', ...fenced(node.result.output.trim()));
      if (node.result.artifacts.length > 0) {
        lines.push('', 'Artifacts:', '');
        for (const artifact of node.result.artifacts)
          lines.push(`- \`${artifact.path}\` (${Buffer.byteLength(artifact.content, 'utf8')} bytes)`);
      }
    }
    node.children.forEach(visit);
  };
  visit(root);
  return `${lines.join('\n')}\n`;
}

/**
 * A Mermaid flowchart: the tree as solid edges parent → child, dependencies as dashed edges from
 * the node depended on to the node that waits, and one class (colour) per status.
 */
export function mermaidGraph(root: TreeNode): string {
  const lines = ['graph TD'];
  const all: TreeNode[] = [];
  const collect = (node: TreeNode) => {
    all.push(node);
    node.children.forEach(collect);
  };
  collect(root);
  for (const node of all) lines.push(`  ${mermaidId(node.id)}["${mermaidLabel(`${node.id} ${statusSymbols[node.status]} ${node.title}`)}"]`);
  for (const node of all) for (const child of node.children) lines.push(`  ${mermaidId(node.id)} --> ${mermaidId(child.id)}`);
  for (const node of all) for (const dependency of node.dependsOn) lines.push(`  ${mermaidId(dependency)} -.-> ${mermaidId(node.id)}`);
  const byStatus = new Map<string, string[]>();
  for (const node of all) byStatus.set(node.status, [...(byStatus.get(node.status) ?? []), mermaidId(node.id)]);
  for (const [status, ids] of byStatus) {
    lines.push(`  classDef ${status} ${mermaidStyles[status] ?? 'fill:#eee'}`);
    lines.push(`  class ${ids.join(',')} ${status}`);
  }
  return `${lines.join('\n')}\n`;
}

const mermaidStyles: Record<string, string> = {
  completed: 'fill:#d4f7d4,stroke:#2a7a2a',
  failed: 'fill:#f9d0d0,stroke:#a02020',
  awaiting_approval: 'fill:#fff3c4,stroke:#a07800',
  running: 'fill:#d0ecf9,stroke:#1f6f99',
  checking: 'fill:#ecd9f7,stroke:#6f2a99',
  decomposed: 'fill:#dde4fb,stroke:#2f4fa0',
  pending: 'fill:#eeeeee,stroke:#888888',
  ready: 'fill:#ffffff,stroke:#888888',
  skipped: 'fill:#eeeeee,stroke:#888888,stroke-dasharray: 3 3',
  cancelled: 'fill:#eeeeee,stroke:#888888,stroke-dasharray: 3 3',
};

/** A node id as a Mermaid id: `2.1` → `n2_1` (dots and other signs are not allowed there). */
export function mermaidId(id: string): string {
  return `n${id.replace(/[^A-Za-z0-9]/g, '_')}`;
}

/** Text safe inside a quoted Mermaid label: entity codes for quotes, angle brackets and `#`, one line. */
export function mermaidLabel(text: string): string {
  return oneLine(text)
    .replace(/#/g, '#35;')
    .replace(/"/g, '#quot;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;');
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** A fenced code block whose fence is longer than any run of backticks in the text. */
function fenced(text: string): string[] {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = '`'.repeat(longest + 1);
  return [fence, text, fence];
}
