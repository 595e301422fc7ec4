import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../test/support/cli.js';
import { planJsonSchema } from './plan-file.js';

describe('planJsonSchema', () => {
  it('is what docs/plan.schema.json publishes (regenerate it with: arbor plan schema > docs/plan.schema.json)', () => {
    const published: unknown = JSON.parse(
      readFileSync(path.join(repoRoot, 'docs', 'plan.schema.json'), 'utf8'),
    );
    expect(published).toEqual(planJsonSchema());
  });
});
