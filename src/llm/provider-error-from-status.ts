import { ProviderError } from '../domain/index.js';
import { parseRetryAfter, type HeaderSource } from './parse-retry-after.js';
import { redactSecret } from './redact-secret.js';

/** An HTTP error answer from a provider, as both vendors' SDKs report it. */
export interface HttpFailure {
  /** `openai` or `anthropic`, used in messages. */
  provider: string;
  status: number;
  headers?: HeaderSource | null;
  /** The provider's own explanation, from the error body. */
  apiMessage?: string | null;
  requestId?: string | null;
  /** The env var the key came from, named in the 401 message. */
  apiKeyEnv: string;
  /** The key in use: redacted from any text the provider sent back. */
  apiKey?: string;
  cause?: unknown;
}

/**
 * Turns an HTTP error answer into a `ProviderError`, deciding whether a retry can help: 408, 409,
 * 429 and 5xx are retryable (with the provider's Retry-After when it gave one), everything else is
 * not. A provider's `x-should-retry` header overrides the status, as the vendors' own SDKs do.
 *
 * @see https://platform.openai.com/docs/guides/error-codes
 * @see https://docs.anthropic.com/en/api/errors
 */
export function providerErrorFromStatus(failure: HttpFailure): ProviderError {
  const { provider, status } = failure;
  const detail = failure.apiMessage ? redactSecret(failure.apiMessage, failure.apiKey) : '';
  const suffix = `${detail ? `: ${detail}` : ''}${failure.requestId ? ` (request id ${failure.requestId})` : ''}`;
  const shouldRetry = failure.headers?.get('x-should-retry');
  const retryable =
    shouldRetry === 'true' ? true : shouldRetry === 'false' ? false : isRetryableStatus(status);
  const retryAfterMs = retryable ? parseRetryAfter(failure.headers) : undefined;
  const options = {
    status,
    retryable,
    retryAfterMs,
    cause: status === 401 || status === 403 ? undefined : failure.cause,
  };
  switch (status) {
    case 400:
      return new ProviderError(`${provider} rejected the request (400)${suffix}`, {
        ...options,
        hint: 'the request does not fit this model: check the model name, maxOutputTokens and temperature',
      });
    case 401:
      return new ProviderError(`${provider} rejected the API key (401): check ${failure.apiKeyEnv}`, {
        ...options,
        hint: `set ${failure.apiKeyEnv} to a valid ${provider} API key`,
      });
    case 403:
      return new ProviderError(`${provider} denied access (403)${suffix}`, {
        ...options,
        hint: `the key in ${failure.apiKeyEnv} may lack access to this model or organization`,
      });
    case 404:
      return new ProviderError(`${provider} has no such model or endpoint (404)${suffix}`, {
        ...options,
        hint: 'check the model name and the base URL',
      });
    case 429:
      return new ProviderError(`${provider} rate limit reached (429)${suffix}`, options);
    default:
      return new ProviderError(
        status >= 500
          ? `${provider} server error (${status})${suffix}`
          : `${provider} answered ${status}${suffix}`,
        options,
      );
  }
}

/** Statuses where the same request may succeed later. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}
