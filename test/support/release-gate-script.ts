/** A scripted run of two tasks: a build, then a release that waits for a person's approval. */
export const releaseGateScript = `
rules:
  - role: planner
    depth: 0
    respond:
      tasks:
        - { key: build, title: Build the release, description: 'compile and package' }
        - key: release
          title: Release to customers
          description: 'publish the package'
          dependsOn: [build]
          requiresApproval: true
          approvalReason: 'Customers see this at once'
defaults:
  sequencer: auto
  executor: { action: complete, result: { summary: 'done: {{node.title}}', output: '' } }
  checker: { verdict: pass, feedback: '' }
`;
