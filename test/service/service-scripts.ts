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

/** Eight independent tasks, each call a little slow: a run with a stream of events to watch. */
export const eightTasks = `
delayMs: 30
rules:
  - role: planner
    depth: 0
    respond:
      tasks:
        - { key: a, title: Task a, description: 'a' }
        - { key: b, title: Task b, description: 'b' }
        - { key: c, title: Task c, description: 'c' }
        - { key: d, title: Task d, description: 'd' }
        - { key: e, title: Task e, description: 'e' }
        - { key: f, title: Task f, description: 'f' }
        - { key: g, title: Task g, description: 'g' }
        - { key: h, title: Task h, description: 'h' }
defaults:
  sequencer: auto
  executor: { action: complete, result: { summary: 'done: {{node.title}}', output: '' } }
  checker: { verdict: pass, feedback: '' }
`;

/** Six tasks whose executors take 300 ms each: slow enough to stop half-way. */
export const sixSlowTasks = `
delayMs: 20
rules:
  - role: planner
    depth: 0
    respond:
      tasks:
        - { key: a, title: Task a, description: 'a' }
        - { key: b, title: Task b, description: 'b' }
        - { key: c, title: Task c, description: 'c' }
        - { key: d, title: Task d, description: 'd' }
        - { key: e, title: Task e, description: 'e' }
        - { key: f, title: Task f, description: 'f' }
  - role: executor
    delayMs: 300
    respond: { action: complete, result: { summary: 'done: {{node.title}}', output: '' } }
defaults:
  sequencer: auto
  checker: { verdict: pass, feedback: '' }
`;
