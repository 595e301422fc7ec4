import { describe, expect, it } from 'vitest';
import { didYouMean } from './did-you-mean.js';

describe('didYouMean', () => {
  const keys = ['role', 'provider', 'model', 'temperature', 'maxOutputTokens', 'concurrency'];
  it('finds the key a typo meant', () => {
    expect(didYouMean('temprature', keys)).toBe('temperature');
    expect(didYouMean('modle', keys)).toBe('model');
    expect(didYouMean('concurency', keys)).toBe('concurrency');
  });
  it('takes a plural for its singular', () => {
    expect(didYouMean('retries', ['retry', 'result', 'timeoutMs'])).toBe('retry');
    expect(didYouMean('models', keys)).toBe('model');
  });
  it('suggests nothing for a word unlike every key', () => {
    expect(didYouMean('colour', keys)).toBeNull();
  });
});
