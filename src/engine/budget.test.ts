import { describe, expect, it } from 'vitest';
import { BudgetExceededError, defaultLimits, emptyUsage, type Limits, type Usage } from '../domain/index.js';
import { Budget } from './budget.js';

const limits = (overrides: Partial<Limits>): Limits => ({ ...defaultLimits, ...overrides });
const used = (overrides: Partial<Usage>): Usage => ({ ...emptyUsage, ...overrides });

function refusal(budget: Budget): BudgetExceededError {
  try {
    budget.reserve({ inputTokens: 10 });
  } catch (error) {
    expect(error).toBeInstanceOf(BudgetExceededError);
    return error as BudgetExceededError;
  }
  throw new Error('the call was not refused');
}

describe('Budget', () => {
  it('stops at the call limit, naming --max-calls', () => {
    const error = refusal(new Budget(limits({ maxCalls: 3 }), used({ calls: 3 })));
    expect(error).toMatchObject({
      budget: 'maxCalls',
      message: 'the run reached its limit of 3 LLM calls (raise it with --max-calls)',
      hint: 'resume with a higher limit, e.g. arbor resume RUN --max-calls N',
    });
  });

  it('stops at the token limit, naming --max-tokens and what was used', () => {
    const error = refusal(new Budget(limits({ maxTokens: 100 }), used({ inputTokens: 80, outputTokens: 30 })));
    expect(error).toMatchObject({
      budget: 'maxTokens',
      message: 'the run reached its limit of 100 tokens, having used 110 (raise it with --max-tokens)',
    });
  });

  it('stops at the cost limit, naming --max-cost and what was spent', () => {
    const error = refusal(new Budget(limits({ maxCostUsd: 0.25 }), used({ costUsd: 0.3 })));
    expect(error).toMatchObject({
      budget: 'maxCostUsd',
      message: 'the run reached its cost limit of $0.25, having spent $0.3000 (raise it with --max-cost)',
    });
  });

  it('stops a run whose cost is unknown under a cost limit, saying how to fix it', () => {
    const error = refusal(new Budget(limits({ maxCostUsd: 5 }), used({ costUsd: null })));
    expect(error.budget).toBe('maxCostUsd');
    expect(error.message).toContain('--max-tokens instead of --max-cost');
    expect(error.hint).toContain('src/llm/prices.json');
  });

  it('counts calls in flight, so a parallel call cannot slip past the limit', () => {
    const budget = new Budget(limits({ maxCalls: 1 }), emptyUsage);
    budget.reserve({ inputTokens: 10 });
    expect(refusal(budget).message).toContain('--max-calls');
  });
});
