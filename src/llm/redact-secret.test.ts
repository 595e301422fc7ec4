import { describe, expect, it } from 'vitest';
import { redactSecret } from './redact-secret.js';

describe('redactSecret', () => {
  const key = 'sk-proj-0123456789abcdefWXYZ';

  it('hides the key and the masked forms providers echo', () => {
    expect(redactSecret(`bad key ${key}!`, key)).toBe('bad key ***!');
    expect(redactSecret('Incorrect API key provided: sk-pro*************WXYZ.', key)).toBe(
      'Incorrect API key provided: ***.',
    );
  });

  it('leaves text without the key alone', () => {
    expect(redactSecret('rate limited', key)).toBe('rate limited');
    expect(redactSecret('rate limited', undefined)).toBe('rate limited');
  });
});
