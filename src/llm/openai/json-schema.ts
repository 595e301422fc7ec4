/** A JSON Schema document or subschema, as plain JSON. */
export type JsonSchema = Record<string, unknown>;

const schemaMapKeywords = ['properties', '$defs', 'definitions', 'patternProperties', 'dependentSchemas'];
const schemaKeywords = [
  'items',
  'additionalProperties',
  'not',
  'if',
  'then',
  'else',
  'contains',
  'propertyNames',
];
const schemaListKeywords = ['anyOf', 'allOf', 'oneOf', 'prefixItems'];

/**
 * Calls `visit` on `schema` and every subschema below it (never on `enum`/`const` values), with the
 * nesting depth of objects, so checks and fix-ups need not know every keyword that nests schemas.
 */
export function forEachSubschema(
  schema: JsonSchema,
  visit: (schema: JsonSchema, depth: number) => void,
  depth = 0,
): void {
  visit(schema, depth);
  const next = schema.type === 'object' || isSchema(schema.properties) ? depth + 1 : depth;
  for (const keyword of schemaMapKeywords) {
    const map = schema[keyword];
    if (isSchema(map))
      for (const child of Object.values(map)) if (isSchema(child)) forEachSubschema(child, visit, next);
  }
  for (const keyword of schemaKeywords) {
    const child = schema[keyword];
    if (isSchema(child)) forEachSubschema(child, visit, next);
    else if (Array.isArray(child))
      for (const item of child) if (isSchema(item)) forEachSubschema(item, visit, next);
  }
  for (const keyword of schemaListKeywords) {
    const list = schema[keyword];
    if (Array.isArray(list)) for (const item of list) if (isSchema(item)) forEachSubschema(item, visit, next);
  }
}

/** True for a JSON object (not an array, not null). */
export function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
