import { forEachSubschema, isSchema, type JsonSchema } from './json-schema.js';

/**
 * Keywords OpenAI strict structured outputs accept. Anything else (`allOf`, `oneOf`, `not`,
 * `patternProperties`, `minLength`, …) makes the API reject a strict schema.
 *
 * @see https://platform.openai.com/docs/guides/structured-outputs#supported-schemas
 */
export const strictSchemaKeywords: ReadonlySet<string> = new Set([
  'type',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'enum',
  'const',
  'anyOf',
  '$ref',
  '$defs',
  'definitions',
  'description',
  'title',
  'pattern',
  'format',
  'multipleOf',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'minItems',
  'maxItems',
]);

/** OpenAI's limit on object nesting in a strict schema. */
const maxObjectDepth = 10;

/**
 * Whether OpenAI accepts `jsonSchema` with `strict: true`: the root is an object (not a union),
 * every object lists all its properties as required and sets `additionalProperties: false`, only
 * supported keywords appear, and objects nest at most 10 deep. Returns the problems when it is not.
 *
 * @see https://platform.openai.com/docs/guides/structured-outputs#supported-schemas
 */
export function isStrictCompatible(jsonSchema: JsonSchema): { compatible: boolean; problems: string[] } {
  const problems: string[] = [];
  if (jsonSchema.type !== 'object') problems.push('the root is not an object');
  forEachSubschema(jsonSchema, (schema, depth) => {
    for (const keyword of Object.keys(schema))
      if (!strictSchemaKeywords.has(keyword) && keyword !== '$schema')
        problems.push(`unsupported keyword "${keyword}"`);
    if (depth > maxObjectDepth) problems.push(`objects nest deeper than ${maxObjectDepth} levels`);
    const isObject =
      schema.type === 'object' || (Array.isArray(schema.type) && schema.type.includes('object'));
    if (!isObject) return;
    if (schema.additionalProperties !== false) problems.push('an object allows additional properties');
    const properties = isSchema(schema.properties) ? Object.keys(schema.properties) : [];
    const required = Array.isArray(schema.required) ? schema.required : [];
    const optional = properties.filter((name) => !required.includes(name));
    if (optional.length > 0)
      problems.push(`optional properties ${optional.map((name) => `"${name}"`).join(', ')}`);
  });
  return { compatible: problems.length === 0, problems: [...new Set(problems)] };
}
