import { agentAnswerSchemas, err, ok, type AgentAnswers, type AgentRole, type Result } from '../domain/index.js';
import { formatZodError } from './format-zod-error.js';

/**
 * Parses a model's text as the role's answer. Tolerates a markdown code fence around the JSON;
 * anything else that is not valid JSON for the schema is an error the model can be re-asked with.
 */
export function parseAnswer<R extends AgentRole>(role: R, text: string): Result<AgentAnswers[R]> {
  const json = stripCodeFence(text.trim());
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    return err(`the answer is not valid JSON (${(error as Error).message})`);
  }
  const parsed = agentAnswerSchemas[role].safeParse(value);
  if (!parsed.success) return err(`the answer does not match the ${role} schema: ${formatZodError(parsed.error)}`);
  return ok(parsed.data);
}

function stripCodeFence(text: string): string {
  const fenced = /^```(?:json)?\s*\n([\s\S]*?)\n```$/.exec(text);
  return fenced?.[1] ?? text;
}
