import { z } from 'zod';
import { agentAnswerSchemas, type AgentRole } from '../domain/index.js';
import type { AnswerSchema } from '../llm/model.js';

const cache = new Map<AgentRole, AnswerSchema>();

/**
 * The answer schema sent to models for a role: the role's zod schema as JSON Schema, with every
 * object closed (`additionalProperties: false`) as OpenAI strict structured outputs require.
 */
export function answerSchemaFor(role: AgentRole): AnswerSchema {
  let schema = cache.get(role);
  if (!schema) {
    const zod = agentAnswerSchemas[role];
    const jsonSchema = z.toJSONSchema(zod, { target: 'draft-2020-12', io: 'output' }) as Record<string, unknown>;
    delete jsonSchema.$schema;
    schema = { name: `${role}_answer`, zod, jsonSchema };
    cache.set(role, schema);
  }
  return schema;
}
