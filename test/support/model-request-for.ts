import { agentAnswerSchemas, type AgentRole } from '../../src/domain/index.js';
import type { ModelRequest } from '../../src/llm/model.js';
import { toOpenAIJsonSchema } from '../../src/llm/openai/to-openai-json-schema.js';

/** A realistic request for `role`, with the role's real answer schema, for provider tests. */
export function modelRequestFor(role: AgentRole, overrides: Partial<ModelRequest> = {}): ModelRequest {
  const zod = agentAnswerSchemas[role];
  return {
    role,
    system: `You are the ${role} of Arbor.`,
    messages: [{ role: 'user', content: `Node "Build a todo app" needs a ${role} answer.` }],
    schema: { name: `${role}_answer`, zod, jsonSchema: toOpenAIJsonSchema(zod) },
    temperature: 0.2,
    maxOutputTokens: 2048,
    cacheKey: 'run-1',
    subject: {
      run: { id: 'run-1', prompt: 'Build a todo app' },
      node: { id: 'root', title: 'Build a todo app', description: '', depth: 0, key: 'root', parentId: null },
      attempt: 1,
    },
    ...overrides,
  };
}
