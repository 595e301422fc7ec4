import type { FinishReason } from '../model.js';

/**
 * Maps a Messages API `stop_reason` to Arbor's finish reason. Running out of output tokens or of
 * context window is `truncated`; `refusal` (the safety classifiers stopped the answer) is `refused`.
 *
 * @see https://docs.anthropic.com/en/api/handling-stop-reasons
 * @see https://docs.anthropic.com/en/api/messages#response-stop-reason
 */
export function mapAnthropicStopReason(stopReason: string | null | undefined): FinishReason {
  switch (stopReason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'truncated';
    case 'refusal':
      return 'refused';
    default:
      return 'complete';
  }
}
