/** A scripted run of one task whose first check fails: with `--max-attempts 1` a person is asked at once. */
export const escalationScript = `
rules:
  - role: planner
    depth: 0
    respond:
      tasks:
        - { key: web, title: Build the web UI, description: 'one page' }
  - role: checker
    attempt: 1
    respond: { verdict: fail, feedback: 'no empty state' }
defaults:
  sequencer: auto
  executor: { action: complete, result: { summary: 'done', output: '' } }
  checker: { verdict: pass, feedback: 'ok' }
`;
