import { UsageError } from '../../domain/index.js';
import type { OpenMongoStoreOptions } from './open-mongo-store.js';

/** The variable that sets how long a lost MongoDB connection is retried mid-run. */
export const retryEnvVariable = 'ARBOR_MONGODB_RETRY_MS';

/**
 * MongoDB store options from the environment: `ARBOR_MONGODB_RETRY_MS` is how long (ms) transient
 * failures mid-run — a lost connection, a restarting server, an election — are retried before the
 * run stops resumably (default 60 s). A value that is not a whole number is a `UsageError`.
 */
export function mongoOptionsFromEnv(env: NodeJS.ProcessEnv): OpenMongoStoreOptions {
  const text = env[retryEnvVariable]?.trim();
  if (!text) return {};
  const retryForMs = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(retryForMs))
    throw new UsageError(`${retryEnvVariable} must be a whole number of milliseconds, not "${text}"`, {
      hint: `e.g. ${retryEnvVariable}=60000, or unset it for the default of 60 s`,
    });
  return { retryForMs };
}
