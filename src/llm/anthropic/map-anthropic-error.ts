import Anthropic from '@anthropic-ai/sdk';
import { ProviderError } from '../../domain/index.js';
import { providerErrorFromStatus } from '../provider-error-from-status.js';
import { redactSecret } from '../redact-secret.js';

/** What {@link mapAnthropicError} needs to say where a failure came from. */
export interface AnthropicErrorContext {
  apiKeyEnv: string;
  apiKey: string;
  baseURL: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * Turns whatever the Anthropic SDK threw into a `ProviderError`, so `withRetries` is the only retry
 * policy: timeouts, connection failures, 429, 529 (overloaded) and other 5xx are retryable, a
 * cancelled call is not, and other HTTP errors say what to fix.
 *
 * @see https://github.com/anthropics/anthropic-sdk-typescript#handling-errors
 * @see https://docs.anthropic.com/en/api/errors
 */
export function mapAnthropicError(error: unknown, context: AnthropicErrorContext): ProviderError {
  if (error instanceof ProviderError) return error;
  if (context.signal?.aborted || error instanceof Anthropic.APIUserAbortError)
    return new ProviderError('anthropic call cancelled', { retryable: false, cause: context.signal?.reason });
  if (error instanceof Anthropic.APIConnectionTimeoutError)
    return new ProviderError(`anthropic did not answer within ${context.timeoutMs} ms (timeout)`, {
      retryable: true,
      cause: error,
    });
  if (error instanceof Anthropic.APIConnectionError)
    return new ProviderError(
      `could not reach anthropic at ${context.baseURL}: ${redactSecret(describeCause(error), context.apiKey)}`,
      { retryable: true, cause: error, hint: 'check the network and the base URL' },
    );
  if (error instanceof Anthropic.APIError && typeof error.status === 'number')
    return providerErrorFromStatus({
      provider: 'anthropic',
      status: error.status,
      headers: error.headers as Headers | undefined,
      apiMessage: error.apiMessage ?? error.message,
      requestId: error.requestID,
      apiKeyEnv: context.apiKeyEnv,
      apiKey: context.apiKey,
      cause: error,
    });
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError(`anthropic call failed: ${redactSecret(message, context.apiKey)}`, {
    retryable: false,
    cause: error,
  });
}

function describeCause(error: Error): string {
  return error.cause instanceof Error ? `${error.message} (${error.cause.message})` : error.message;
}
