import { describe, expect, it } from 'vitest';
import { topologicalLevels } from './topological-levels.js';

describe('topologicalLevels', () => {
  it('puts independent tasks in one level, in input order', () => {
    const tasks = [
      { key: 'b', dependsOn: [] },
      { key: 'a', dependsOn: [] },
    ];
    expect(topologicalLevels(tasks)).toEqual({ success: true, value: [['b', 'a']] });
  });

  it('places each task one level after its last dependency', () => {
    const tasks = [
      { key: 'ship', dependsOn: ['api', 'web'] },
      { key: 'web', dependsOn: ['model'] },
      { key: 'docs', dependsOn: [] },
      { key: 'api', dependsOn: ['model'] },
      { key: 'model', dependsOn: [] },
    ];
    expect(topologicalLevels(tasks)).toEqual({
      success: true,
      value: [['docs', 'model'], ['web', 'api'], ['ship']],
    });
  });

  it('returns no levels for no tasks', () => {
    expect(topologicalLevels([])).toEqual({ success: true, value: [] });
  });

  it('names the cycle', () => {
    const tasks = [
      { key: 'free', dependsOn: [] },
      { key: 'a', dependsOn: ['free', 'c'] },
      { key: 'b', dependsOn: ['a'] },
      { key: 'c', dependsOn: ['b'] },
    ];
    expect(topologicalLevels(tasks)).toEqual({ success: false, error: 'dependency cycle: a → c → b → a' });
  });

  it('names a task that depends on itself as a cycle', () => {
    expect(topologicalLevels([{ key: 'a', dependsOn: ['a'] }])).toEqual({
      success: false,
      error: 'dependency cycle: a → a',
    });
  });

  it('names unknown and duplicate keys', () => {
    expect(topologicalLevels([{ key: 'a', dependsOn: ['z'] }])).toEqual({
      success: false,
      error: 'task "a" depends on unknown key "z"',
    });
    expect(
      topologicalLevels([
        { key: 'a', dependsOn: [] },
        { key: 'a', dependsOn: [] },
      ]),
    ).toEqual({ success: false, error: 'duplicate task key "a"' });
  });
});
