import { describe, expect, it } from 'vitest';
import { capCallText } from './model-call.js';

describe('capCallText', () => {
  it('keeps text within the limit as it is', () => {
    expect(capCallText('short', 10)).toBe('short');
  });

  it('cuts longer text at the byte limit and says how much was left out', () => {
    expect(capCallText('a'.repeat(30), 10)).toBe(`${'a'.repeat(10)}\n[… 20 more bytes not stored]`);
  });

  it('never splits a character in half', () => {
    const capped = capCallText('é'.repeat(10), 5);
    expect(capped.startsWith('éé\n')).toBe(true);
    expect(capped).toContain('16 more bytes');
  });
});
