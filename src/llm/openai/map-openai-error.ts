import OpenAI from 'openai';
import { ProviderError } from '../../domain/index.js';
import { providerErrorFromStatus } from '../provider-error-from-status.js';
import { redactSecret } from '../redact-secret.js';

/** What {@link mapOpenAIError} needs to say where a failure came from. */
export interface OpenAIErrorContext {
  apiKeyEnv: string;
  apiKey: string;
  baseURL: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * Turns whatever the OpenAI SDK threw into a `ProviderError`, so `withRetries` is the only retry
 * policy: timeouts and connection failures are retryable, a cancelled call is not, and HTTP errors
 * follow their status. A 429 for an exhausted quota is not retryable: waiting will not refill it.
 *
 * @see https://github.com/openai/openai-node#handling-errors
 * @see https://platform.openai.com/docs/guides/error-codes
 */
export function mapOpenAIError(error: unknown, context: OpenAIErrorContext): ProviderError {
  if (error instanceof ProviderError) return error;
  if (context.signal?.aborted || error instanceof OpenAI.APIUserAbortError)
    return new ProviderError('openai call cancelled', { retryable: false, cause: context.signal?.reason });
  if (error instanceof OpenAI.APIConnectionTimeoutError)
    return new ProviderError(`openai did not answer within ${context.timeoutMs} ms (timeout)`, {
      retryable: true,
      cause: error,
    });
  if (error instanceof OpenAI.APIConnectionError)
    return new ProviderError(
      `could not reach openai at ${context.baseURL}: ${redactSecret(describeCause(error), context.apiKey)}`,
      { retryable: true, cause: error, hint: 'check the network and OPENAI_BASE_URL' },
    );
  if (error instanceof OpenAI.APIError && typeof error.status === 'number') {
    if (error.status === 429 && error.code === 'insufficient_quota')
      return new ProviderError('openai quota exhausted (429 insufficient_quota)', {
        status: 429,
        retryable: false,
        hint: 'add credit or raise the limits of the account behind ' + context.apiKeyEnv,
      });
    return providerErrorFromStatus({
      provider: 'openai',
      status: error.status,
      headers: error.headers as Headers | undefined,
      apiMessage: apiMessageOf(error.error) ?? error.message,
      requestId: error.requestID,
      apiKeyEnv: context.apiKeyEnv,
      apiKey: context.apiKey,
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError(`openai call failed: ${redactSecret(message, context.apiKey)}`, {
    retryable: false,
    cause: error,
  });
}

function apiMessageOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || !('message' in body)) return undefined;
  return typeof body.message === 'string' ? body.message : undefined;
}

function describeCause(error: Error): string {
  return error.cause instanceof Error ? `${error.message} (${error.cause.message})` : error.message;
}
