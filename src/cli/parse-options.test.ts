import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { providerConcurrency } from './parse-options.js';

describe('--provider-concurrency', () => {
  it('reads a limit per provider', () => {
    expect(providerConcurrency('openai=4, anthropic=2')).toEqual({ openai: 4, anthropic: 2 });
  });

  it.each([
    ['openai', '"openai" is not PROVIDER=N; e.g. openai=4,anthropic=2.'],
    ['openai=4=5', '"openai=4=5" is not PROVIDER=N; e.g. openai=4,anthropic=2.'],
    ['=4', '"=4" is not PROVIDER=N; e.g. openai=4,anthropic=2.'],
    ['openai=0', '"0" is not a positive whole number.'],
    ['openai=two', '"two" is not a positive whole number.'],
    ['gemini=2', '"gemini" is not a provider; use openai, anthropic, script.'],
    [' , ', '" , " names no provider; e.g. openai=4.'],
  ])('refuses %j, saying how to write it', (value, message) => {
    expect(() => providerConcurrency(value)).toThrow(new InvalidArgumentError(message));
  });
});
