import { describe, expect, it } from 'vitest';
import { UsageError } from '../../domain/index.js';
import { mongoOptionsFromEnv } from './mongo-options-from-env.js';

describe('mongoOptionsFromEnv', () => {
  it('reads how long to retry a lost connection from ARBOR_MONGODB_RETRY_MS', () => {
    expect(mongoOptionsFromEnv({ ARBOR_MONGODB_RETRY_MS: '2500' })).toEqual({ retryForMs: 2500 });
    expect(mongoOptionsFromEnv({ ARBOR_MONGODB_RETRY_MS: ' 0 ' })).toEqual({ retryForMs: 0 });
  });

  it('leaves the default when the variable is unset or empty', () => {
    expect(mongoOptionsFromEnv({})).toEqual({});
    expect(mongoOptionsFromEnv({ ARBOR_MONGODB_RETRY_MS: '' })).toEqual({});
  });

  it('refuses a value that is not a whole number of milliseconds, naming the variable', () => {
    for (const value of ['10s', '-1', '1.5', '1e3']) {
      const error = (() => {
        try {
          mongoOptionsFromEnv({ ARBOR_MONGODB_RETRY_MS: value });
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).message).toContain(
        `ARBOR_MONGODB_RETRY_MS must be a whole number of milliseconds, not "${value}"`,
      );
    }
  });
});
