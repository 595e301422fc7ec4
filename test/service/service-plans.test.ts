import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serve, type RunningService } from '../../src/service/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { makeTempDir, repoRoot, waitFor } from '../support/cli.js';
import { ServiceClient } from '../support/service-client.js';

const token = 'test-token-0123456789abcdef';
const llm = `script:${path.join(repoRoot, 'test', 'fixtures', 'plans', 'demo.script.yaml')}`;

describe('POST /v1/runs with a plan', () => {
  let store: Store;
  let service: RunningService;
  let client: ServiceClient;

  beforeEach(async () => {
    store = await openStore(await makeTempDir('arbor-serve-plan-'));
    service = await serve({ store, port: 0, env: { ARBOR_TOKEN: token }, pollMs: 200 });
    client = new ServiceClient(service.url, token);
  });
  afterEach(async () => {
    await service.close(0);
    await store.close();
  });

  it('runs a plan given as an object, with its params, and no prompt', async () => {
    const plan = {
      name: 'svc',
      params: { who: { type: 'string', required: true } },
      steps: [
        { key: 'greet', title: 'Greet', prompt: 'Greet {{params.who}}' },
        { key: 'reply', title: 'Reply', dependsOn: ['greet'], prompt: 'Answer {{steps.greet.result}}' },
      ],
    };
    const answer = await client.post<{ runId: string }>('/v1/runs', { plan, params: { who: 'Ada' }, llm });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    const { runId } = answer.body;
    await waitFor('the run to complete', async () => (await store.getRun(runId))?.status === 'completed');
    const nodes = await store.listNodes(runId);
    expect(nodes.find((node) => node.key === 'reply')?.description).toBe('Answer Greet Ada');
    expect((await store.getRun(runId))?.plan).toMatchObject({
      name: 'svc',
      params: { who: 'Ada' },
      source: null,
    });
  });

  it('answers a plan that fails its check with every problem and stores nothing', async () => {
    const plan = 'name: bad\nsteps:\n  - { key: a, title: A, dependsOn: [b] }\n';
    const answer = await client.post<{ title: string; problems: unknown[] }>('/v1/runs', { plan, llm });
    expect(answer.status).toBe(400);
    expect(answer.body.title).toBe('invalid-plan');
    expect(answer.body.problems).toEqual([
      { line: 3, column: 37, message: 'step "a" depends on "b", which is not a step beside it' },
    ]);
    const missing = await client.post<{ detail: string }>('/v1/runs', { llm });
    expect(missing.status).toBe(400);
    expect(await store.listRuns()).toEqual([]);
  });
});
