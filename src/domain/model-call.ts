import { z } from 'zod';
import { agentRoleSchema } from './agent-role.js';
import { usageSchema } from './usage.js';

/** The most text of one prompt part or answer that is stored; longer text is cut with a marker. */
export const maxStoredCallTextBytes = 64 * 1024;

/** One stored model call: what a role was sent and what it answered (for `arbor show`). */
export const modelCallSchema = z.object({
  schemaVersion: z.literal(1),
  runId: z.string(),
  nodeId: z.string(),
  role: agentRoleSchema,
  /** The role's attempt number on the node, 1-based. */
  attempt: z.number().int().positive(),
  system: z.string(),
  messages: z.array(z.object({ role: z.enum(['user', 'assistant']), content: z.string() })),
  /** The answer text; null when the call failed. */
  answer: z.string().nullable(),
  finishReason: z.enum(['complete', 'truncated', 'refused']).nullable(),
  usage: usageSchema.nullable(),
  error: z.string().nullable(),
  startedAt: z.string(),
  endedAt: z.string(),
  /** The provider that answered (`openai`, `anthropic`, `script`); absent on calls stored before it was kept. */
  provider: z.string().optional(),
  /** The provider's model id; absent on calls stored before it was kept. */
  model: z.string().optional(),
  /** Provider faults retried within the call (429, 5xx, timeouts); absent on calls stored before it was kept. */
  retries: z.number().int().nonnegative().optional(),
});

/** One stored model call. */
export type ModelCall = z.infer<typeof modelCallSchema>;

/**
 * Cuts `text` to at most `maxBytes` UTF-8 bytes (on a character boundary) and says how much was
 * left out, so stored prompts stay bounded and a reader knows the text is incomplete.
 */
export function capCallText(text: string, maxBytes = maxStoredCallTextBytes): string {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= maxBytes) return text;
  // A character cut in half decodes to U+FFFD: drop it.
  const kept = Buffer.from(text, 'utf8').subarray(0, maxBytes).toString('utf8').replace(/\uFFFD$/, '');
  return `${kept}\n[… ${bytes - Buffer.byteLength(kept, 'utf8')} more bytes not stored]`;
}
