import path from 'node:path';
import { loadAgentsConfig, loadPromptTemplates } from '../../src/agents/index.js';
import { defaultLimits } from '../../src/domain/index.js';
import { createRun, RunEngine, type RunOutcome } from '../../src/engine/index.js';
import { createScriptedModel, parseScript } from '../../src/llm/scripted/index.js';
import { openEmbeddedStore } from '../../src/store/index.js';
import { repoRoot } from './cli.js';

/** The id of the run {@link driveFixedRun} stores. */
export const fixedRunId = 'r-fixed0001';

/**
 * A small run with everything inspection shows: a decomposed branch with a dependency, a check that
 * fails once, an artifact, and a node (with characters that need escaping) waiting for approval.
 */
export const fixedRunScript = {
  rules: [
    {
      role: 'planner',
      depth: 0,
      respond: {
        tasks: [
          { key: 'api', title: 'Build the API', description: 'REST endpoints for todos' },
          { key: 'web', title: 'Build the web UI', description: 'one page: list, add, complete' },
          {
            key: 'deploy',
            title: 'Deploy "v2" to production [eu]',
            description: 'container, database, HTTPS',
            dependsOn: ['api', 'web'],
            requiresApproval: true,
            approvalReason: 'Creates billable resources',
          },
        ],
      },
    },
    { role: 'executor', title: '^Build the API$', respond: { action: 'decompose', reason: 'two separate pieces of work' } },
    {
      role: 'planner',
      title: '^Build the API$',
      respond: {
        tasks: [
          { key: 'handlers', title: 'Write the handlers', description: 'list, create, complete, delete' },
          { key: 'tests', title: 'Write the API tests', description: 'one test per endpoint', dependsOn: ['handlers'] },
        ],
      },
    },
    {
      role: 'executor',
      title: '^Build the web UI$',
      respond: {
        action: 'complete',
        result: {
          summary: 'A one-page UI (attempt {{attempt}})',
          output: 'index.html with the list and the add form',
          artifacts: [{ path: 'web/index.html', content: '<ul id="todos"></ul>\n' }],
        },
      },
    },
    { role: 'checker', title: '^Build the web UI$', attempt: 1, respond: { verdict: 'fail', feedback: 'no empty state' } },
  ],
  defaults: {
    sequencer: 'auto',
    executor: { action: 'complete', result: { summary: 'done: {{node.title}}', output: 'output of {{node.title}}' } },
    checker: { verdict: 'pass', feedback: 'looks right' },
  },
};

/** Stores and drives the fixed run in the embedded store at `storeDir`, in this process, until it waits for the approval. */
export async function driveFixedRun(storeDir: string, outDir: string): Promise<RunOutcome> {
  const store = await openEmbeddedStore(storeDir);
  try {
    const agents = await loadAgentsConfig(path.join(repoRoot, 'agents'));
    // Small prompts of its own, so the snapshots change with the output formats, not with prompt edits.
    const templates = await loadPromptTemplates(path.join(repoRoot, 'test', 'fixtures', 'prompts'), agents);
    const model = createScriptedModel({ script: parseScript(fixedRunScript, 'fixed run script') });
    const { run } = await createRun({
      store,
      id: fixedRunId,
      prompt: 'Build a todo app',
      notes: [],
      llm: 'script:fixed.yaml',
      agentsDir: null,
      promptsDir: null,
      limits: { ...defaultLimits, concurrency: 1 },
    });
    const engine = new RunEngine(
      {
        store,
        run,
        agents,
        templates,
        modelFor: () => model,
        notes: [],
        owner: 'test-owner',
        waitForApprovals: false,
        outDir,
        reopenFailed: false,
      },
      await store.listNodes(run.id),
    );
    return await engine.drive();
  } finally {
    await store.close();
  }
}

/** Replaces what changes from one run to the next (times, durations) with placeholders. */
export function normalise(text: string): string {
  return text
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>')
    .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?/g, '<time>')
    .replace(/\b\d+(\.\d+)?(ms|s)\b/g, '<duration>')
    .replace(/\b\d+m\d\ds\b/g, '<duration>');
}
