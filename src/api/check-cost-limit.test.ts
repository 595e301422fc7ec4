import { describe, expect, it } from 'vitest';
import { UsageError } from '../domain/index.js';
import type { Model } from '../llm/model.js';
import { checkCostLimit } from './check-cost-limit.js';

const model = (provider: string, modelId: string): Model => ({
  provider,
  modelId,
  generate: () => Promise.reject(new Error('not called')),
});

describe('checkCostLimit', () => {
  it('accepts priced models and scripts under a cost limit', () => {
    expect(() =>
      checkCostLimit(1, (role) =>
        role === 'planner' ? model('openai', 'gpt-4.1-mini') : model('script', 'demo'),
      ),
    ).not.toThrow();
  });

  it('refuses to start a cost-limited run on a model without a price, naming it', () => {
    expect(() => checkCostLimit(1, () => model('openai', 'my-local-llama'))).toThrow(UsageError);
    expect(() => checkCostLimit(1, () => model('openai', 'my-local-llama'))).toThrow(
      /"my-local-llama" \(planner\) has none/,
    );
  });

  it("accepts a model of the caller's own provider, which reports its cost itself", () => {
    expect(() => checkCostLimit(1, () => model('custom', 'gpt-4.1-mini'))).not.toThrow();
    expect(() => checkCostLimit(1, () => model('my-gateway', 'anything'))).not.toThrow();
    // A vendor's name is held to the price table.
    expect(() => checkCostLimit(1, () => model('anthropic', 'my-local-llama'))).toThrow(/has none/);
  });

  it('allows any model without a cost limit', () => {
    expect(() => checkCostLimit(null, () => model('openai', 'my-local-llama'))).not.toThrow();
  });
});
