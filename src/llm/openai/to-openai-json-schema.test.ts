import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { agentAnswerSchemas, agentRoles } from '../../domain/index.js';
import { isStrictCompatible } from './is-strict-compatible.js';
import { toOpenAIJsonSchema } from './to-openai-json-schema.js';

describe('toOpenAIJsonSchema', () => {
  it.each(agentRoles)('makes the %s answer schema valid for strict structured outputs', (role) => {
    const jsonSchema = toOpenAIJsonSchema(agentAnswerSchemas[role]);
    expect(isStrictCompatible(jsonSchema)).toEqual({ compatible: true, problems: [] });
    expect(jsonSchema).not.toHaveProperty('$schema');
  });

  it('drops length limits that strict mode rejects and closes every object', () => {
    const jsonSchema = toOpenAIJsonSchema(
      z.object({ key: z.string().min(1).max(64), inner: z.object({ flag: z.boolean() }).loose().nullable() }),
    );
    expect(jsonSchema).toMatchInlineSnapshot(`
      {
        "additionalProperties": false,
        "properties": {
          "inner": {
            "anyOf": [
              {
                "additionalProperties": {},
                "properties": {
                  "flag": {
                    "type": "boolean",
                  },
                },
                "required": [
                  "flag",
                ],
                "type": "object",
              },
              {
                "type": "null",
              },
            ],
          },
          "key": {
            "type": "string",
          },
        },
        "required": [
          "key",
          "inner",
        ],
        "type": "object",
      }
    `);
  });

  it('returns the same schema for the same zod schema', () => {
    const schema = agentAnswerSchemas.checker;
    expect(toOpenAIJsonSchema(schema)).toBe(toOpenAIJsonSchema(schema));
  });
});

describe('isStrictCompatible', () => {
  it('rejects optional properties, open objects, maps, unsupported keywords and a non-object root', () => {
    expect(isStrictCompatible(toOpenAIJsonSchema(z.object({ a: z.string().optional() }))).problems).toEqual([
      'optional properties "a"',
    ]);
    expect(isStrictCompatible(toOpenAIJsonSchema(z.object({ a: z.object({}).loose() }))).problems).toEqual([
      'an object allows additional properties',
    ]);
    expect(
      isStrictCompatible(toOpenAIJsonSchema(z.object({ a: z.record(z.string(), z.number()) }))).problems,
    ).toEqual(['unsupported keyword "propertyNames"', 'an object allows additional properties']);
    expect(
      isStrictCompatible({
        type: 'object',
        properties: { a: { allOf: [{ type: 'string' }, { pattern: '^a' }] } },
        required: ['a'],
        additionalProperties: false,
      }).problems,
    ).toEqual(['unsupported keyword "allOf"']);
    expect(
      isStrictCompatible(toOpenAIJsonSchema(z.union([z.object({ a: z.string() }), z.null()]))).problems,
    ).toEqual(['the root is not an object']);
  });
});
