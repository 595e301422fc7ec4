/** A scripted run of three leaves under the root: Model (1), API (2) ← Model, Docs (3). */
export const threeLeavesScript = {
  defaults: {
    planner: {
      tasks: [
        { key: 'model', title: 'Model', description: 'the data model' },
        { key: 'api', title: 'API', description: 'the handlers', dependsOn: ['model'] },
        { key: 'docs', title: 'Docs', description: 'the README' },
      ],
    },
    sequencer: 'auto',
    executor: { action: 'complete', result: { summary: 'done: {{node.title}}', output: '' } },
    checker: { verdict: 'pass', feedback: '' },
  },
};
