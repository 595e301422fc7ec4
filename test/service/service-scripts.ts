/** Scripted runs the service suites drive (DESIGN §6). */

/** A gate that waits for a person while its sibling builds for a while. */
export const gateBesideSlowSibling = `
rules:
  - role: planner
    depth: 0
    respond:
      tasks:
        - { key: slow, title: Build the slow part, description: 'takes a while' }
        - { key: ship, title: Ship it, description: 'publish', requiresApproval: true, approvalReason: 'customers see it' }
  - role: executor
    title: '^Build the slow part'
    delayMs: 2000
    respond: { action: complete, result: { summary: 'built', output: '' } }
defaults:
  sequencer: auto
  executor: { action: complete, result: { summary: 'done: {{node.title}}', output: '' } }
  checker: { verdict: pass, feedback: '' }
`;

/** A quick task and a gate: once the task is done, only a person can move the run on. */
export const quickTaskThenGate = `
rules:
  - role: planner
    depth: 0
    respond:
      tasks:
        - { key: build, title: Build it, description: 'quick' }
        - { key: ship, title: Ship it, description: 'publish', dependsOn: [build], requiresApproval: true, approvalReason: 'customers see it' }
defaults:
  sequencer: auto
  executor: { action: complete, result: { summary: 'done: {{node.title}}', output: '' } }
  checker: { verdict: pass, feedback: '' }
`;

/** `count` independent tasks (`Task a`, `Task b`, …): a run with a stream of events to watch. */
function independentTasks(count: number, delays: { everyCallMs: number; executorMs?: number }): string {
  const tasks = 'abcdefghijklmnopqrstuvwxyz'
    .slice(0, count)
    .split('')
    .map((key) => `        - { key: ${key}, title: Task ${key}, description: '${key}' }`);
  const slowExecutor =
    delays.executorMs === undefined
      ? ''
      : `
  - role: executor
    delayMs: ${delays.executorMs}
    respond: { action: complete, result: { summary: 'done: {{node.title}}', output: '' } }`;
  return `
delayMs: ${delays.everyCallMs}
rules:
  - role: planner
    depth: 0
    respond:
      tasks:
${tasks.join('\n')}${slowExecutor}
defaults:
  sequencer: auto
  executor: { action: complete, result: { summary: 'done: {{node.title}}', output: '' } }
  checker: { verdict: pass, feedback: '' }
`;
}

/** Eight independent tasks, each call a little slow. */
export const eightTasks = independentTasks(8, { everyCallMs: 30 });

/** Six tasks whose executors take 300 ms each: slow enough to stop half-way. */
export const sixSlowTasks = independentTasks(6, { everyCallMs: 20, executorMs: 300 });

/** Two tasks whose executors each write an artifact `docs/KEY.md`. */
export const artifactTasks = `
rules:
  - role: planner
    depth: 0
    respond:
      tasks:
        - { key: a, title: Task a, description: 'a' }
        - { key: b, title: Task b, description: 'b' }
defaults:
  sequencer: auto
  executor:
    action: complete
    result:
      summary: 'wrote docs/{{node.key}}.md'
      output: ''
      artifacts: [{ path: 'docs/{{node.key}}.md', content: '# {{node.title}}' }]
  checker: { verdict: pass, feedback: '' }
`;
