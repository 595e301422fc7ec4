import { z } from 'zod';
import { agentRoleSchema, UsageError } from '../domain/index.js';
import { formatZodError } from './format-zod-error.js';
import { providerNames } from '../llm/model.js';

/** Retry settings for provider faults (DESIGN §8). */
export const retrySettingsSchema = z
  .object({
    maxRetries: z.number().int().nonnegative().default(4),
    baseDelayMs: z.number().int().nonnegative().default(500),
    maxDelayMs: z.number().int().positive().default(20_000),
    maxRetryAfterMs: z.number().int().positive().default(60_000),
  })
  .strict();

/** One agent file in `agents/` (YAML): which model a role uses and how it is called. */
export const agentConfigSchema = z
  .object({
    role: agentRoleSchema,
    /** `default` uses the run's `--llm`; otherwise this role's own provider. */
    provider: z.enum(['default', ...providerNames]).default('default'),
    model: z.string().nullable().default(null),
    /** OpenAI-compatible servers (Ollama, vLLM, …). */
    baseURL: z.string().url().nullable().default(null),
    /** The environment variable holding the API key (the key itself never goes in a file). */
    apiKeyEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name like OPENAI_API_KEY').nullable().default(null),
    temperature: z.number().min(0).max(2).nullable().default(null),
    /** Handlebars template in the prompts folder. */
    template: z.string().min(1),
    maxOutputTokens: z.number().int().positive().default(4096),
    /**
     * Calls of this role in flight at once, within the run's `--concurrency` (which caps all roles
     * together). Opt-in: null (unset) gives the role no limit of its own (DESIGN §7).
     */
    concurrency: z.number().int().positive().nullable().default(null),
    /** Re-asks after an invalid answer before the node fails. */
    reasks: z.number().int().nonnegative().default(1),
    timeoutMs: z.number().int().positive().default(120_000),
    /** OpenAI-compatible servers without JSON-schema support: `json_object` puts the schema in the prompt. */
    structuredOutput: z.enum(['json_schema', 'json_object']).nullable().default(null),
    retry: retrySettingsSchema.default({ maxRetries: 4, baseDelayMs: 500, maxDelayMs: 20_000, maxRetryAfterMs: 60_000 }),
  })
  .strict();

/** One role's agent settings. */
export type AgentConfig = z.infer<typeof agentConfigSchema>;

/** A rule that flags nodes for approval by title, whatever the planner said (DESIGN §1.5). */
export const approvalPolicySchema = z
  .object({
    title: z.string().min(1).describe('Regular expression on the node title'),
    flags: z.string().regex(/^[imsu]*$/).default('i'),
    reason: z.string().min(1),
  })
  .strict();

/** A rule that flags nodes for approval. */
export type ApprovalPolicy = z.infer<typeof approvalPolicySchema>;

/** `agents/policies.yaml`. */
export const policiesFileSchema = z
  .object({ approvals: z.array(approvalPolicySchema).default([]) })
  .strict();

/**
 * An agent file a written step names, as a run or schedule keeps it (read and checked before): checked
 * again where it is used, a problem as a `UsageError` naming it by the step's `agent` text.
 */
export function parseKeptAgentFile(agent: string, stored: unknown): AgentConfig {
  const parsed = agentConfigSchema.safeParse(stored);
  if (!parsed.success)
    throw new UsageError(`the agent file "${agent}" a step names is not valid: ${formatZodError(parsed.error)}`, {
      hint: 'see "Agent files" in the README for the fields and their types',
    });
  return parsed.data;
}
