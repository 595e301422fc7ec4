import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { knownKeys } from './known-keys.js';
import { planFileSchema } from './plan-file.js';

describe('knownKeys', () => {
  const schema = z.strictObject({
    name: z.string(),
    retry: z.strictObject({ attempts: z.number(), delayMs: z.number() }).optional(),
    limits: z.strictObject({ maxDepth: z.number() }).nullable().default(null),
    items: z.array(z.strictObject({ key: z.string(), title: z.string() })),
    byName: z.record(z.string(), z.strictObject({ type: z.string(), required: z.boolean() })),
  });

  it("names the keys of the object at the path, through optional, nullable and default, arrays and records", () => {
    expect(knownKeys(schema, [])).toEqual(['name', 'retry', 'limits', 'items', 'byName']);
    expect(knownKeys(schema, ['retry'])).toEqual(['attempts', 'delayMs']);
    expect(knownKeys(schema, ['limits'])).toEqual(['maxDepth']);
    expect(knownKeys(schema, ['items', 3])).toEqual(['key', 'title']);
    expect(knownKeys(schema, ['byName', 'diff'])).toEqual(['type', 'required']);
  });

  it('is empty where the path holds no object', () => {
    expect(knownKeys(schema, ['name'])).toEqual([]);
    expect(knownKeys(schema, ['nowhere'])).toEqual([]);
    expect(knownKeys(schema, ['name', 'deeper'])).toEqual([]);
  });

  it("goes through lazy schemas: a plan's nested steps and their retry policies", () => {
    const stepKeys = knownKeys(planFileSchema, ['steps', 0]);
    expect(stepKeys).toEqual(expect.arrayContaining(['key', 'title', 'dependsOn', 'when', 'retry', 'steps']));
    expect(knownKeys(planFileSchema, ['steps', 0, 'steps', 1])).toEqual(stepKeys);
    expect(knownKeys(planFileSchema, ['steps', 0, 'steps', 1, 'retry'])).toEqual([
      'attempts',
      'backoff',
      'delayMs',
      'maxDelayMs',
    ]);
    expect(knownKeys(planFileSchema, ['params', 'diff'])).toEqual(
      expect.arrayContaining(['type', 'default', 'required', 'description']),
    );
  });
});
