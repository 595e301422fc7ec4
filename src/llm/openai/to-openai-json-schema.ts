import { z } from 'zod';
import { forEachSubschema, type JsonSchema } from './json-schema.js';

/**
 * Assertions that strict mode rejects but that cost nothing to drop: the zod schema still checks
 * them when the answer is validated, and a failed check is sent back to the model.
 */
const droppedKeywords = ['$schema', 'minLength', 'maxLength', 'default', 'examples', 'uniqueItems'];

const cache = new WeakMap<z.ZodType, JsonSchema>();

/**
 * The JSON Schema of `zod` as OpenAI structured outputs want it: derived with `z.toJSONSchema` for
 * the parse input (what the model writes), without `$schema` and the assertions strict mode rejects,
 * and with `additionalProperties: false` on every object that does not set it. Results are cached
 * per schema; treat them as read-only.
 *
 * @see https://platform.openai.com/docs/guides/structured-outputs#supported-schemas
 * @see https://zod.dev/json-schema
 */
export function toOpenAIJsonSchema(zod: z.ZodType): JsonSchema {
  const cached = cache.get(zod);
  if (cached) return cached;
  const jsonSchema = z.toJSONSchema(zod, { target: 'draft-2020-12', io: 'input' }) as JsonSchema;
  forEachSubschema(jsonSchema, (schema) => {
    for (const keyword of droppedKeywords) delete schema[keyword];
    if (
      (schema.type === 'object' || schema.properties !== undefined) &&
      schema.additionalProperties === undefined
    )
      schema.additionalProperties = false;
  });
  cache.set(zod, jsonSchema);
  return jsonSchema;
}
