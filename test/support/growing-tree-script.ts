import type { TaskNode } from '../../src/domain/index.js';

/** Options of {@link growingTreeScript}. */
export interface GrowingTreeOptions {
  delayMs: number;
  /** Titles of the root's tasks; without them the root is planned like any node (`Grow/a`, `/b`, `/c`). */
  rootTasks?: readonly string[];
  /** Leaves also write an artifact `work/<id>.md`. */
  artifacts?: boolean;
}

/**
 * The scripted tree the crash and worker tests grow: every depth-1 task decomposes into `…/a`,
 * `…/b` (which waits for `…/a`) and `…/c`, and each `…/a` at depth 2 decomposes once more. Leaves
 * complete and checks pass. With the default root plan of three tasks it has 22 nodes.
 */
export function growingTreeScript(options: GrowingTreeOptions): string {
  const rootPlan = options.rootTasks
    ? `
  - role: planner
    depth: 0
    respond:
      tasks:
${options.rootTasks.map((title) => `        - { key: ${title.toLowerCase()}, title: '${title}', description: 'part ${title.toLowerCase()}' }`).join('\n')}`
    : '';
  const result = options.artifacts
    ? `
    result:
      summary: 'done: {{node.title}}'
      output: ''
      artifacts: [{ path: 'work/{{node.id}}.md', content: '# {{node.title}}' }]`
    : `
    result: { summary: 'done: {{node.title}}', output: '' }`;
  return `
delayMs: ${options.delayMs}
rules:
  - role: executor
    depth: 1
    respond: { action: decompose, reason: 'too big for one step' }
  - role: executor
    depth: 2
    title: '/a$'
    respond: { action: decompose, reason: 'still too big' }${rootPlan}
  - role: planner
    respond:
      tasks:
        - { key: a, title: '{{node.title}}/a', description: 'first part of {{node.title}}' }
        - { key: b, title: '{{node.title}}/b', description: 'second part of {{node.title}}', dependsOn: [a] }
        - { key: c, title: '{{node.title}}/c', description: 'side part of {{node.title}}' }
defaults:
  sequencer: auto
  executor:
    action: complete${result}
  checker: { verdict: pass, feedback: 'ok' }
`;
}

/** The completed leaves of a stored tree (completed nodes no other node has as parent). */
export function completedLeaves(nodes: readonly TaskNode[]): TaskNode[] {
  const parents = new Set(nodes.map((node) => node.parentId));
  return nodes.filter((node) => node.status === 'completed' && !parents.has(node.id));
}
