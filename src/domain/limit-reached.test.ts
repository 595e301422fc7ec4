import { describe, expect, it } from 'vitest';
import { limitReached } from './limit-reached.js';

describe('limitReached', () => {
  it('names each limit and the flag that raises it', () => {
    expect(limitReached('maxDepth', 3)).toEqual({
      budget: 'maxDepth',
      message: 'the tree may not grow deeper than 3 levels (raise it with --max-depth)',
    });
    expect(limitReached('maxNodes', 500).message).toBe(
      'the run reached its limit of 500 nodes (raise it with --max-nodes)',
    );
    expect(limitReached('maxCalls', 20).message).toBe(
      'the run reached its limit of 20 LLM calls (raise it with --max-calls)',
    );
    expect(limitReached('maxTokens', 1000, { tokens: 1042, costUsd: 0 }).message).toBe(
      'the run reached its limit of 1000 tokens, having used 1042 (raise it with --max-tokens)',
    );
    expect(limitReached('maxCostUsd', 0.5, { tokens: 0, costUsd: 0.5123 }).message).toBe(
      'the run reached its cost limit of $0.5, having spent $0.5123 (raise it with --max-cost)',
    );
  });

  it('says what to do about an unknown cost instead of asking for a higher cost limit', () => {
    const { message } = limitReached('maxCostUsd', 5, { tokens: 10, costUsd: null });
    expect(message).toContain('cost is unknown');
    expect(message).toContain('src/llm/prices.json');
    expect(message).toContain('--max-tokens instead of --max-cost');
    expect(message).not.toContain('raise it');
  });
});
