import { afterEach, describe, expect, it } from 'vitest';
import type { AgentsConfig } from '../../src/agents/index.js';
import type { TaskNode } from '../../src/domain/index.js';
import { costOf, createProviderModel } from '../../src/llm/index.js';
import { createHarness, type Harness } from '../support/engine-harness.js';
import {
  fakeVendor,
  type Vendor,
  type VendorAnswer,
  type VendorCall,
  type WireUsage,
} from '../support/fake-vendor.js';
import { useLlmHttp } from '../support/llm-http.js';

// Whole runs in-process through createProviderModel over msw: the provider wire formats, the agents'
// validation and re-asks, the engine's bookkeeping and the store, all together.

const llm = useLlmHttp();

const env = { OPENAI_API_KEY: 'sk-test-openai-0123456789', ANTHROPIC_API_KEY: 'sk-ant-test-0123456789' };
const pricedModels: Record<Vendor, string> = { openai: 'gpt-4.1-mini', anthropic: 'claude-sonnet-4-6' };
const prompt = 'Build a todo app';
const notes = [{ path: 'notes/product.md', content: 'NOTES-MARKER: users sign in with a magic link.' }];
/** Short waits, so retry tests stay fast; Retry-After up to 1 s is honoured. */
const quickRetry = { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 1_000 };

function withQuickRetries(agents: AgentsConfig): AgentsConfig {
  const roles = Object.fromEntries(
    Object.entries(agents.roles).map(([role, config]) => [role, { ...config, retry: quickRetry }]),
  ) as AgentsConfig['roles'];
  return { ...agents, roles };
}

function task(key: string, title: string, dependsOn: string[] = []) {
  return {
    key,
    title,
    description: `Deliver ${title}`,
    dependsOn,
    notes: [],
    requiresApproval: false,
    approvalReason: null,
  };
}

function complete(title: string) {
  return {
    action: 'complete',
    reason: null,
    result: { summary: `done: ${title}`, output: `output of ${title}`, artifacts: [] },
  };
}

/**
 * A healthy model for the tree: the root plans three tasks, "Build API" is decomposed into two
 * children, and the checker fails "Write docs" once, then passes it.
 */
function healthy(call: VendorCall): VendorAnswer {
  switch (call.role) {
    case 'planner':
      return call.title === prompt
        ? {
            answer: {
              tasks: [
                task('schema', 'Design schema'),
                task('api', 'Build API', ['schema']),
                task('docs', 'Write docs'),
              ],
            },
          }
        : { answer: { tasks: [task('routes', 'Build API/routes'), task('handlers', 'Build API/handlers')] } };
    case 'sequencer':
      return call.title === prompt
        ? {
            answer: {
              groups: [['schema', 'docs'], ['api']],
              dependsOn: [],
              integration: [],
              rationale: 'the API needs the schema',
            },
          }
        : {
            answer: {
              groups: [['routes', 'handlers']],
              dependsOn: [],
              integration: [],
              rationale: 'independent',
            },
          };
    case 'executor':
      return call.title === 'Build API' && call.nth === 1
        ? { answer: { action: 'decompose', reason: 'two separate pieces', result: null } }
        : { answer: complete(call.title) };
    case 'checker':
      return call.title === 'Write docs' && call.nth === 1
        ? { answer: { verdict: 'fail', feedback: 'no examples' } }
        : { answer: { verdict: 'pass', feedback: 'ok' } };
  }
}

/** The answers of `healthy`, except where `override` says otherwise (undefined = healthy). */
function healthyExcept(override: (call: VendorCall) => VendorAnswer | undefined) {
  return (call: VendorCall) => override(call) ?? healthy(call);
}

/** What Arbor should count for one reported usage: every prompt token as input, cache reads as cached. */
function expectedUsage(vendor: Vendor, wire: WireUsage, model: string) {
  if ('prompt_tokens' in wire) {
    const counts = {
      inputTokens: wire.prompt_tokens,
      outputTokens: wire.completion_tokens,
      cachedTokens: wire.cached_tokens,
    };
    return { calls: 1, ...counts, costUsd: costOf(counts, vendor, model) };
  }
  const counts = {
    inputTokens: wire.input_tokens + wire.cache_read_input_tokens + wire.cache_creation_input_tokens,
    outputTokens: wire.output_tokens,
    cachedTokens: wire.cache_read_input_tokens,
  };
  return {
    calls: 1,
    ...counts,
    costUsd: costOf({ ...counts, cacheWriteTokens: wire.cache_creation_input_tokens }, vendor, model),
  };
}

function sumUsage(vendor: Vendor, calls: readonly VendorCall[], model: string) {
  const total = { calls: 0, inputTokens: 0, outputTokens: 0, cachedTokens: 0, costUsd: 0 as number | null };
  for (const call of calls) {
    if (!call.usage) continue;
    const one = expectedUsage(vendor, call.usage, model);
    total.calls += 1;
    total.inputTokens += one.inputTokens;
    total.outputTokens += one.outputTokens;
    total.cachedTokens += one.cachedTokens;
    total.costUsd = total.costUsd === null || one.costUsd === null ? null : total.costUsd + one.costUsd;
  }
  return total;
}

/** Tree shape as `title ← parent title`, sorted, for a readable comparison. */
function shape(nodes: readonly TaskNode[]): string[] {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  return nodes
    .map(
      (node) =>
        `${node.depth} ${node.title} ← ${node.parentId === null ? '-' : byId.get(node.parentId)!.title}`,
    )
    .sort();
}

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.cleanup();
  harness = undefined;
});

describe.each(['openai', 'anthropic'] as const)('a run over HTTP with %s', (vendor) => {
  async function start(options: { respond: (call: VendorCall) => VendorAnswer; model?: string }) {
    const model = createProviderModel(
      { provider: vendor, model: options.model ?? pricedModels[vendor] },
      env,
    );
    const fake = fakeVendor(llm, { vendor, respond: options.respond });
    harness = await createHarness({
      modelFor: () => model,
      llm: `${vendor}:${model.modelId}`,
      prompt,
      notes,
      agents: withQuickRetries,
    });
    return { fake, harness };
  }

  it('completes a decomposed tree, re-executing after a failed check', async () => {
    const { fake, harness } = await start({ respond: healthy });
    const outcome = await harness.drive();

    expect(outcome.status).toBe('completed');
    const nodes = await harness.nodes();
    expect(shape(nodes)).toEqual([
      `0 ${prompt} ← -`,
      `1 Build API ← ${prompt}`,
      `1 Design schema ← ${prompt}`,
      `1 Write docs ← ${prompt}`,
      '2 Build API/handlers ← Build API',
      '2 Build API/routes ← Build API',
    ]);
    expect(nodes.every((node) => node.status === 'completed')).toBe(true);
    const docs = await harness.node('Write docs');
    expect(docs.attempts).toBe(2);
    expect(docs.checks.map((check) => check.verdict)).toEqual(['fail', 'pass']);
    // The second executor call saw the checker's feedback.
    const docsExecutor = fake.calls.filter((call) => call.role === 'executor' && call.title === 'Write docs');
    expect(docsExecutor).toHaveLength(2);
    expect(docsExecutor[1]!.messages[0]!.content).toContain('no examples');
    // planner ×2, sequencer ×2, executor ×6 (5 nodes + 1 retry), checker ×5 (4 leaves + 1 failed check).
    const perRole = Object.fromEntries(
      ['planner', 'sequencer', 'executor', 'checker'].map((role) => [
        role,
        fake.calls.filter((call) => call.role === role).length,
      ]),
    );
    expect(perRole).toEqual({ planner: 2, sequencer: 2, executor: 6, checker: 5 });
  });

  it('totals usage and cost on every node and on the run from what the provider reported and the price table', async () => {
    const { fake, harness } = await start({ respond: healthy });
    const outcome = await harness.drive();
    expect(outcome.status).toBe('completed');

    const model = pricedModels[vendor];
    const expectedRun = sumUsage(vendor, fake.calls, model);
    expect(expectedRun.calls).toBe(15);
    expect(expectedRun.cachedTokens).toBeGreaterThan(0);
    const run = (await harness.store.getRun(harness.runId))!;
    for (const stored of [outcome.run, run]) {
      expect(stored.usage).toMatchObject({
        calls: expectedRun.calls,
        inputTokens: expectedRun.inputTokens,
        outputTokens: expectedRun.outputTokens,
        cachedTokens: expectedRun.cachedTokens,
      });
      expect(stored.usage.costUsd).toBeCloseTo(expectedRun.costUsd!, 12);
    }
    for (const node of await harness.nodes()) {
      const expected = sumUsage(
        vendor,
        fake.calls.filter((call) => call.title === node.title),
        model,
      );
      expect(node.usage, node.title).toMatchObject({
        calls: expected.calls,
        inputTokens: expected.inputTokens,
        outputTokens: expected.outputTokens,
        cachedTokens: expected.cachedTokens,
      });
      expect(node.usage.costUsd, node.title).toBeCloseTo(expected.costUsd!, 12);
    }
  });

  it('records the cost as unknown (null, not 0) for a model missing from the price table', async () => {
    const { fake, harness } = await start({ respond: healthy, model: 'in-house-finetune-7' });
    const outcome = await harness.drive();

    expect(outcome.status).toBe('completed');
    expect(outcome.run.usage.costUsd).toBeNull();
    expect(outcome.run.usage.calls).toBe(fake.calls.length);
    expect(outcome.run.usage.inputTokens).toBe(
      sumUsage(vendor, fake.calls, 'in-house-finetune-7').inputTokens,
    );
    for (const node of await harness.nodes()) expect(node.usage.costUsd, node.title).toBeNull();
  });

  it('asks for prompt caching on every request and keeps the notes in the stable system part', async () => {
    const { fake, harness } = await start({ respond: healthy });
    await harness.drive();

    expect(fake.calls).toHaveLength(15);
    for (const call of fake.calls) {
      if (vendor === 'openai') expect(call.body.prompt_cache_key).toBe(`arbor-${harness.runId}`);
      else
        expect(call.body.system).toEqual([
          expect.objectContaining({ type: 'text', cache_control: { type: 'ephemeral' } }),
        ]);
      // The system part is the same for every call of a role, so a provider can cache it.
      expect(call.system).toBe(fake.calls.find((first) => first.role === call.role)!.system);
      for (const message of call.messages) expect(message.content).not.toContain('NOTES-MARKER');
    }
    for (const role of ['planner', 'executor', 'checker'])
      for (const call of fake.calls.filter((each) => each.role === role))
        expect(call.system).toContain('NOTES-MARKER');
  });

  it('survives a 429 with retry-after-ms mid-run and goes on', async () => {
    const { fake, harness } = await start({
      respond: healthyExcept((call) =>
        call.role === 'executor' && call.title === 'Design schema' && call.nth === 1
          ? { status: 429, headers: { 'retry-after-ms': '15' }, message: 'slow down' }
          : undefined,
      ),
    });
    const outcome = await harness.drive();

    expect(outcome.status).toBe('completed');
    expect(
      fake.calls.filter((call) => call.role === 'executor' && call.title === 'Design schema'),
    ).toHaveLength(2);
    const retries = harness.events.flatMap((event) => (event.type === 'call-retry' ? [event] : []));
    expect(retries.map(({ role, attempt, delayMs }) => ({ role, attempt, delayMs }))).toEqual([
      { role: 'executor', attempt: 1, delayMs: 15 },
    ]);
    expect(retries[0]!.reason).toContain('429');
    // The 429 reported no usage and is not counted as a call.
    expect((await harness.node('Design schema')).calls.executor).toBe(1);
    expect(outcome.run.usage.calls).toBe(15);
  });

  it('fails one node after repeated 500s, completes its sibling, and completes on resume once the provider is healthy', async () => {
    let broken = true;
    const { fake, harness } = await start({
      respond: healthyExcept((call) =>
        broken && call.role === 'executor' && call.title === 'Build API/routes'
          ? { status: 500, message: 'upstream exploded' }
          : undefined,
      ),
    });
    const outcome = await harness.drive();

    expect(outcome.status).toBe('failed');
    const routes = await harness.node('Build API/routes');
    expect(routes.status).toBe('failed');
    expect(routes.error?.kind).toBe('provider');
    expect(routes.error?.message).toContain('500');
    expect(routes.error?.message).toContain('gave up after 3 attempts');
    expect(
      fake.calls.filter((call) => call.role === 'executor' && call.title === 'Build API/routes'),
    ).toHaveLength(3);
    expect((await harness.node('Build API/handlers')).status).toBe('completed');
    expect((await harness.node('Design schema')).status).toBe('completed');
    expect((await harness.node('Write docs')).status).toBe('completed');
    expect((await harness.nodes()).some((node) => node.status === 'running')).toBe(false);

    broken = false;
    const before = fake.calls.length;
    const resumed = await harness.drive({ reopenFailed: true });
    expect(resumed.status).toBe('completed');
    // Only the failed node is worked again: one executor and one checker call, nothing else.
    expect(fake.calls.slice(before).map((call) => `${call.role} ${call.title}`)).toEqual([
      'executor Build API/routes',
      'checker Build API/routes',
    ]);
    expect((await harness.nodes()).every((node) => node.status === 'completed')).toBe(true);
  });

  it('re-asks after a schema-invalid answer and uses the valid one', async () => {
    const { fake, harness } = await start({
      respond: healthyExcept((call) =>
        call.role === 'checker' && call.title === 'Design schema' && call.nth === 1
          ? { answer: { verdict: 'maybe', feedback: 'hmm' } }
          : undefined,
      ),
    });
    const outcome = await harness.drive();

    expect(outcome.status).toBe('completed');
    const [invalid, reasked] = fake.calls.filter(
      (call) => call.role === 'checker' && call.title === 'Design schema',
    );
    expect(invalid!.messages).toHaveLength(1);
    expect(reasked!.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user']);
    expect(reasked!.messages[1]!.content).toContain('maybe');
    expect(reasked!.messages[2]!.content).toContain('Your answer was invalid');
    expect(reasked!.messages[2]!.content).toContain('verdict');
    const schema = await harness.node('Design schema');
    expect(schema.check?.verdict).toBe('pass');
    expect(schema.calls.checker).toBe(2);
    expect(schema.usage.calls).toBe(fake.calls.filter((call) => call.title === 'Design schema').length);
  });

  it('counts the usage of an answer re-asked before the provider gave up', async () => {
    const { fake, harness } = await start({
      respond: healthyExcept((call) =>
        call.role === 'executor' && call.title === 'Design schema'
          ? call.nth === 1
            ? { answer: { action: 'complete', reason: null, result: null } }
            : { status: 500, message: 'upstream exploded' }
          : undefined,
      ),
    });
    const outcome = await harness.drive();

    expect(outcome.status).toBe('failed');
    const schema = await harness.node('Design schema');
    expect(schema.error?.message).toContain('gave up after 3 attempts');
    // The invalid answer was paid for: it counts on the node and on the run.
    const paid = sumUsage(vendor, fake.calls, pricedModels[vendor]);
    expect(outcome.run.usage.calls).toBe(paid.calls);
    expect(outcome.run.usage.inputTokens).toBe(paid.inputTokens);
    expect(outcome.run.usage.costUsd).toBeCloseTo(paid.costUsd!, 12);
    expect(schema.usage.calls).toBe(1);
  });

  it('re-asks after a truncated answer and uses the complete one', async () => {
    const { fake, harness } = await start({
      respond: healthyExcept((call) =>
        call.role === 'executor' && call.title === 'Design schema' && call.nth === 1
          ? { truncated: complete('Design schema') }
          : undefined,
      ),
    });
    const outcome = await harness.drive();

    expect(outcome.status).toBe('completed');
    const [cut, reasked] = fake.calls.filter(
      (call) => call.role === 'executor' && call.title === 'Design schema',
    );
    expect(cut).toBeDefined();
    expect(reasked!.messages.at(-1)!.content).toContain('cut off at the output limit');
    expect((await harness.node('Design schema')).result?.summary).toBe('done: Design schema');
  });

  it('fails the node naming the refusal when the model refuses', async () => {
    const { fake, harness } = await start({
      respond: healthyExcept((call) =>
        call.role === 'executor' && call.title === 'Write docs'
          ? { refusal: 'I cannot help with that request.' }
          : undefined,
      ),
    });
    const outcome = await harness.drive();

    expect(outcome.status).toBe('failed');
    const docs = await harness.node('Write docs');
    expect(docs.status).toBe('failed');
    expect(docs.error?.kind).toBe('model');
    expect(docs.error?.message).toContain('refused');
    expect(docs.error?.message).toContain('I cannot help with that request.');
    // A refusal is final: no re-ask.
    expect(fake.calls.filter((call) => call.role === 'executor' && call.title === 'Write docs')).toHaveLength(
      1,
    );
    expect((await harness.node('Design schema')).status).toBe('completed');
  });
});
