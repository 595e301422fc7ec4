import { afterEach, describe, expect, it } from 'vitest';
import type { Limits } from '../../src/domain/index.js';
import { createProviderModel } from '../../src/llm/index.js';
import { createHarness, type Harness } from '../support/engine-harness.js';
import {
  fakeVendor,
  type Vendor,
  type VendorAnswer,
  type VendorCall,
  type WireUsage,
} from '../support/fake-vendor.js';
import { useLlmHttp } from '../support/llm-http.js';

// Budgets under parallel load, over HTTP: eight independent leaves, four calls in flight, every call
// reporting the same usage. A budget reached mid-way stops new work; the calls already in flight
// finish and are paid for, so the overshoot is at most one call per slot.

const llm = useLlmHttp();
const env = { OPENAI_API_KEY: 'sk-test-openai-0123456789', ANTHROPIC_API_KEY: 'sk-ant-test-0123456789' };
const concurrency = 4;
const leaves = Array.from({ length: 8 }, (_, index) => `Leaf ${index + 1}`);
/** planner + sequencer + an executor and a checker per leaf. */
const callsToComplete = 2 + 2 * leaves.length;

/** Per vendor: a priced model and a usage that costs exactly $0.01 on it. */
const vendors: Record<Vendor, { model: string; usage: WireUsage; tokensPerCall: number }> = {
  // gpt-4.1-mini: $0.40 in, $1.60 out per million: 20,000 × 0.4 + 1,250 × 1.6 = 10,000 µ$.
  openai: {
    model: 'gpt-4.1-mini',
    usage: { prompt_tokens: 20_000, completion_tokens: 1_250, cached_tokens: 0 },
    tokensPerCall: 21_250,
  },
  // claude-haiku-4-5: $1 in, $5 out per million: 5,000 × 1 + 1,000 × 5 = 10,000 µ$.
  anthropic: {
    model: 'claude-haiku-4-5',
    usage: {
      input_tokens: 5_000,
      output_tokens: 1_000,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
    },
    tokensPerCall: 6_000,
  },
};
const costPerCall = 0.01;

function answer(call: VendorCall): VendorAnswer {
  switch (call.role) {
    case 'planner':
      return {
        answer: {
          tasks: leaves.map((title, index) => ({
            key: `leaf-${index + 1}`,
            title,
            description: `Deliver ${title}`,
            dependsOn: [],
            notes: [],
            requiresApproval: false,
            approvalReason: null,
          })),
        },
      };
    case 'sequencer':
      return {
        answer: {
          groups: [leaves.map((_, index) => `leaf-${index + 1}`)],
          dependsOn: [],
          integration: [],
          rationale: 'independent',
        },
      };
    case 'executor':
      return {
        answer: {
          action: 'complete',
          reason: null,
          result: { summary: `done: ${call.title}`, output: 'ok', artifacts: [] },
        },
        delayMs: 15,
      };
    case 'checker':
      return { answer: { verdict: 'pass', feedback: 'ok' }, delayMs: 15 };
  }
}

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.cleanup();
  harness = undefined;
});

describe.each(['openai', 'anthropic'] as const)('budgets over HTTP with %s', (vendor) => {
  const { model: modelId, usage, tokensPerCall } = vendors[vendor];

  async function start(
    limits: Partial<Limits>,
    model = createProviderModel({ provider: vendor, model: modelId }, env),
  ) {
    const fake = fakeVendor(llm, { vendor, respond: answer, defaultUsage: () => usage });
    harness = await createHarness({
      modelFor: () => model,
      llm: `${vendor}:${model.modelId}`,
      limits: { concurrency, ...limits },
    });
    return { fake, harness };
  }

  /** Every call of each role on each node, counted from the requests the vendor received. */
  function requestsPerNode(calls: readonly VendorCall[]) {
    const counts = new Map<string, number>();
    for (const call of calls)
      counts.set(`${call.role} ${call.title}`, (counts.get(`${call.role} ${call.title}`) ?? 0) + 1);
    return counts;
  }

  async function expectNothingRunning(harness: Harness) {
    const running = (await harness.nodes()).filter((node) => node.status === 'running');
    expect(running.map((node) => node.title)).toEqual([]);
  }

  async function expectResumeCompletesWithoutRepeats(fake: { calls: VendorCall[] }, raise: Partial<Limits>) {
    const resumed = await harness!.drive({ limits: raise });
    expect(resumed.status).toBe('completed');
    expect(resumed.stopReason).toBeNull();
    // Every call was made exactly once over both drives: nothing completed before was asked again.
    expect(fake.calls).toHaveLength(callsToComplete);
    const counts = requestsPerNode(fake.calls);
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
    for (const title of leaves) {
      expect(counts.get(`executor ${title}`), title).toBe(1);
      expect(counts.get(`checker ${title}`), title).toBe(1);
    }
    expect(resumed.run.usage.calls).toBe(callsToComplete);
  }

  it('stops at the cost limit mid-way, overshooting by at most the calls in flight, and resumes without repeating a call', async () => {
    const maxCostUsd = 0.075;
    const { fake, harness } = await start({ maxCostUsd });
    const stopped = await harness.drive();

    expect(stopped.status).toBe('failed');
    expect(stopped.stopReason).toMatchObject({ kind: 'budget', budget: 'maxCostUsd' });
    expect(stopped.stopReason?.message).toContain('cost limit of $0.075');
    expect(harness.peakInFlight()).toBe(concurrency);
    expect(fake.calls.length).toBeLessThan(callsToComplete);
    const spent = stopped.run.usage.costUsd!;
    // Every answered call is paid for, on the run and in the store...
    expect(spent).toBeCloseTo(fake.calls.length * costPerCall, 10);
    expect((await harness.store.getRun(harness.runId))!.usage.costUsd).toBeCloseTo(spent, 10);
    const nodeTotal = (await harness.nodes()).reduce((sum, node) => sum + node.usage.costUsd!, 0);
    expect(nodeTotal).toBeCloseTo(spent, 10);
    // ...the limit was reached, and overshot by no more than one call per slot.
    expect(spent).toBeGreaterThanOrEqual(maxCostUsd);
    expect(spent).toBeLessThanOrEqual(maxCostUsd + concurrency * costPerCall + 1e-9);
    await expectNothingRunning(harness);

    await expectResumeCompletesWithoutRepeats(fake, { maxCostUsd: 1 });
  });

  it('stops at the token limit mid-way, overshooting by at most the calls in flight, and resumes without repeating a call', async () => {
    const maxTokens = Math.round(7.5 * tokensPerCall);
    const { fake, harness } = await start({ maxTokens });
    const stopped = await harness.drive();

    expect(stopped.status).toBe('failed');
    expect(stopped.stopReason).toMatchObject({ kind: 'budget', budget: 'maxTokens' });
    expect(stopped.stopReason?.message).toContain(`${maxTokens} tokens`);
    expect(harness.peakInFlight()).toBe(concurrency);
    expect(fake.calls.length).toBeLessThan(callsToComplete);
    const used = stopped.run.usage.inputTokens + stopped.run.usage.outputTokens;
    expect(used).toBe(fake.calls.length * tokensPerCall);
    // Calls in flight hold an estimate of their input, so the stop may come a little before the limit.
    expect(used).toBeGreaterThan(maxTokens - concurrency * tokensPerCall);
    expect(used).toBeLessThanOrEqual(maxTokens + concurrency * tokensPerCall);
    await expectNothingRunning(harness);

    await expectResumeCompletesWithoutRepeats(fake, { maxTokens: 10_000_000 });
  });

  it('does not let a model without a price slip under a cost limit: the run stops, naming the unknown cost', async () => {
    const unpriced = createProviderModel({ provider: vendor, model: 'in-house-finetune-7' }, env);
    const { fake, harness } = await start({ maxCostUsd: 5 }, unpriced);
    const stopped = await harness.drive();

    expect(stopped.status).toBe('failed');
    expect(stopped.stopReason).toMatchObject({ kind: 'budget', budget: 'maxCostUsd' });
    expect(stopped.stopReason?.message).toContain('cost is unknown');
    expect(stopped.run.usage.costUsd).toBeNull();
    // The first answer revealed the unknown price; nothing new started after it.
    expect(fake.calls.map((call) => call.role)).toEqual(['planner']);
    await expectNothingRunning(harness);
  });

  it('counts an invalid answer whose re-ask was stopped by the call limit, on the run and on resume', async () => {
    const fake = fakeVendor(llm, {
      vendor,
      respond: (call) =>
        call.role === 'planner' && call.nth === 1 ? { answer: { tasks: [] } } : answer(call),
      defaultUsage: () => usage,
    });
    const model = createProviderModel({ provider: vendor, model: modelId }, env);
    harness = await createHarness({
      modelFor: () => model,
      llm: `${vendor}:${modelId}`,
      limits: { concurrency, maxCalls: 1 },
    });
    const stopped = await harness.drive();

    expect(stopped.stopReason).toMatchObject({ kind: 'budget', budget: 'maxCalls' });
    expect(fake.calls).toHaveLength(1);
    expect(stopped.run.usage.calls).toBe(1);
    expect(stopped.run.usage.costUsd).toBeCloseTo(costPerCall, 10);
    expect((await harness.nodes())[0]!.usage.calls).toBe(1);

    const resumed = await harness.drive({ limits: { maxCalls: 100 } });
    expect(resumed.status).toBe('completed');
    expect(resumed.run.usage.calls).toBe(fake.calls.length);
    expect(resumed.run.usage.costUsd).toBeCloseTo(fake.calls.length * costPerCall, 10);
  });
});
