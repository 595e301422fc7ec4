/**
 * A scripted run of `steps` tasks one after the other (Step A, Step B, … each depending on the one
 * before), whose executors answer `executorDelayMs` after they start: a run busy for a while, with
 * one node in flight at a time.
 */
export function chainScript(steps: number, executorDelayMs: number): string {
  const keys = Array.from({ length: steps }, (_, index) => String.fromCharCode(97 + index));
  const tasks = keys.map((key, index) => {
    const after = index === 0 ? '' : `, dependsOn: [${keys[index - 1]}]`;
    return `        - { key: ${key}, title: Step ${key.toUpperCase()}, description: 'step ${index + 1}'${after} }`;
  });
  return `
rules:
  - role: planner
    depth: 0
    respond:
      tasks:
${tasks.join('\n')}
  - role: executor
    delayMs: ${executorDelayMs}
    respond: { action: complete, result: { summary: 'done: {{node.title}}', output: '' } }
defaults:
  sequencer: auto
  checker: { verdict: pass, feedback: '' }
`;
}
