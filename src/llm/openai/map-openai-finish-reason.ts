import type { FinishReason } from '../model.js';

/**
 * Maps a Chat Completions `finish_reason` (and the message's `refusal`) to Arbor's finish reason:
 * a refusal or a content filter is `refused`, running out of tokens is `truncated`.
 *
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-choices
 * @see https://platform.openai.com/docs/guides/structured-outputs#refusals
 */
export function mapOpenAIFinishReason(
  finishReason: string | null | undefined,
  refusal: string | null | undefined,
): FinishReason {
  if (refusal) return 'refused';
  switch (finishReason) {
    case 'length':
      return 'truncated';
    case 'content_filter':
      return 'refused';
    default:
      return 'complete';
  }
}
