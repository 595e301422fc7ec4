import { describe, expect, it } from 'vitest';
import type { PlannedTask } from '../domain/index.js';
import { fallbackSequence, validateSequence } from './validate-sequence.js';

const task = (key: string, dependsOn: string[] = []): PlannedTask => ({
  key,
  title: key,
  description: key,
  dependsOn,
  notes: [],
  requiresApproval: false,
  approvalReason: null,
});
const planned = [task('model'), task('api', ['model']), task('ui', ['model']), task('e2e')];
const answer = (groups: string[][], dependsOn: Array<{ key: string; on: string[] }> = []) => ({ groups, dependsOn, integration: [], rationale: '' });

describe('validateSequence', () => {
  it('accepts groups that place every task once after its dependencies', () => {
    const good = answer([['model', 'e2e'], ['api', 'ui']]);
    expect(validateSequence(planned, good)).toEqual({ success: true, value: good });
  });

  it('names a task missing from the groups', () => {
    expect(validateSequence(planned, answer([['model'], ['api', 'ui']]))).toEqual({ success: false, error: 'tasks missing from the groups: "e2e"' });
  });

  it('names a task placed twice or unknown', () => {
    expect(validateSequence(planned, answer([['model', 'e2e'], ['api', 'ui', 'model']])).success).toBe(false);
    expect(validateSequence(planned, answer([['model', 'e2e', 'ghost'], ['api', 'ui']]))).toEqual({ success: false, error: 'group 1 names unknown task "ghost"' });
  });

  it('names a dependency cycle, including edges the sequencer added', () => {
    const cyclic = answer([['model', 'e2e'], ['api', 'ui']], [{ key: 'model', on: ['api'] }]);
    expect(validateSequence(planned, cyclic)).toEqual({ success: false, error: 'dependency cycle: model → api → model' });
  });

  it('names a group that breaks a dependency', () => {
    expect(validateSequence(planned, answer([['model', 'api'], ['ui', 'e2e']]))).toEqual({
      success: false,
      error: 'task "api" depends on "model" but is not in a later group (groups 1 and 1)',
    });
  });
});

describe('fallbackSequence', () => {
  it('groups tasks by topological level of their dependencies', () => {
    const fallback = fallbackSequence(planned, 'invalid twice');
    expect(fallback.groups).toEqual([['model', 'e2e'], ['api', 'ui']]);
    expect(fallback.dependsOn).toEqual([{ key: 'api', on: ['model'] }, { key: 'ui', on: ['model'] }]);
    expect(validateSequence(planned, fallback).success).toBe(true);
  });
});
