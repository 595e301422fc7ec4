import { describe, expect, it } from 'vitest';
import { checkPlanText } from './check-plan.js';

/** The problems of a plan, as `LINE:COLUMN message`. */
function problemsOf(text: string, params?: Record<string, string>): string[] {
  const checked = checkPlanText(text, params ? { params } : {});
  if (checked.success) return [];
  return checked.error.map((problem) => `${problem.line}:${problem.column} ${problem.message}`);
}

const good = `name: review
params:
  diff: { type: string, required: true }
  strict: { type: boolean, default: false }
steps:
  - key: read
    title: Read the diff
    prompt: "Read {{params.diff}}"
  - key: review
    title: Review it
    dependsOn: [read]
    prompt: |
      Review what {{steps.read.result}} says.
    when: { not: { result: { step: read, contains: empty } } }
`;

describe('checkPlanText', () => {
  it('accepts a good plan and fills in the defaults', () => {
    const checked = checkPlanText(good, { params: { diff: 'a.diff' } });
    expect(checked.success).toBe(true);
    if (!checked.success) return;
    expect(checked.value.params).toEqual({ diff: 'a.diff', strict: false });
    expect(checked.value.plan.steps[0]).toMatchObject({
      plan: 'manual',
      dependsOn: [],
      requiresApproval: false,
    });
  });

  it('reads JSON plans too', () => {
    const json = JSON.stringify({ name: 'j', steps: [{ key: 'a', title: 'A' }] });
    expect(checkPlanText(json).success).toBe(true);
  });

  it('names a YAML syntax error with its line and column', () => {
    expect(problemsOf('name: x\nsteps: [\n')[0]).toMatch(/^3:1 not valid YAML or JSON: Flow sequence/);
  });

  it('names unknown keys with a did-you-mean, at the key', () => {
    const text = `name: x
steps:
  - key: a
    title: A
    dependOn: [b]
`;
    expect(problemsOf(text)).toEqual(['5:5 unknown key "dependOn" in steps[0] (did you mean "dependsOn"?)']);
  });

  it("names an unknown nested key with its own object's keys: a sub-step, a retry policy, a param", () => {
    const text = `name: x
params:
  diff: { type: string, requird: true }
steps:
  - key: a
    title: A
    steps:
      - { key: b, title: B, retry: { atempts: 2 } }
      - { key: c, tilte: C }
`;
    expect(problemsOf(text)).toEqual([
      '3:25 unknown key "requird" in params.diff (did you mean "required"?)',
      '8:36 steps[0].steps[0].retry needs "attempts"',
      '8:38 unknown key "atempts" in steps[0].steps[0].retry (did you mean "attempts"?)',
      '9:9 steps[0].steps[1] needs "title"',
      '9:19 unknown key "tilte" in steps[0].steps[1] (did you mean "title"?)',
    ]);
  });

  it('names a missing field', () => {
    expect(problemsOf('name: x\nsteps:\n  - key: a\n')).toEqual(['3:5 steps[0] needs "title"']);
  });

  it('names a dependency that is not a sibling step', () => {
    const text =
      'name: x\nsteps:\n  - { key: build, title: B }\n  - { key: test, title: T, dependsOn: [biuld] }\n';
    expect(problemsOf(text)).toEqual([
      '4:40 step "test" depends on "biuld", which is not a step beside it (did you mean "build"?)',
    ]);
  });

  it('lists the step problems beside unknown keys, not one kind at a time', () => {
    const text = `name: x
steps:
  - { key: a, title: A, dependsOn: [b], retries: 2 }
  - { key: b, title: B, dependsOn: [a], prompt: "Use {{params.missing}}" }
`;
    expect(problemsOf(text)).toEqual([
      '3:41 unknown key "retries" in steps[0] (did you mean "retry"?)',
      '4:37 dependency cycle: a → b → a',
      '4:56 step "b": {{params.missing}}: the plan declares no param "missing"',
    ]);
  });

  it('names a dependency cycle', () => {
    const text = `name: x
steps:
  - { key: a, title: A, dependsOn: [c] }
  - { key: b, title: B, dependsOn: [a] }
  - { key: c, title: C, dependsOn: [b] }
`;
    expect(problemsOf(text)).toEqual(['4:37 dependency cycle: a → c → b → a']);
  });

  it('names a condition on a step the step does not depend on', () => {
    const text = `name: x
steps:
  - { key: a, title: A }
  - key: b
    title: B
    when: { status: { step: a, is: completed } }
`;
    expect(problemsOf(text)).toEqual([
      '6:29 the "when" of "b" refers to step "a", which "b" does not depend on (add it to dependsOn)',
    ]);
  });

  it('names an unknown condition operator with a did-you-mean', () => {
    const text =
      'name: x\nsteps:\n  - key: a\n    title: A\n    when: { stauts: { step: a, is: completed } }\n';
    expect(problemsOf(text)).toEqual([
      '5:13 unknown condition "stauts" in steps[0].when (did you mean "status"?)',
    ]);
  });

  it('names a template variable no param or dependency provides', () => {
    const text = `name: x
params:
  diff: { type: string }
steps:
  - { key: a, title: A }
  - key: b
    title: B
    prompt: |
      Use {{params.dif}} and
      {{steps.a.result}} and {{stuff}}
`;
    expect(problemsOf(text)).toEqual([
      '9:13 step "b": {{params.dif}}: the plan declares no param "dif" (did you mean "diff"?)',
      '10:9 step "b": {{steps.a.result}}: "b" does not depend on a step "a" (add it to dependsOn)',
      '10:32 step "b": {{stuff}}: no param or dependency provides it (use {{params.NAME}} or {{steps.KEY.result}})',
    ]);
  });

  it('names a missing required param, a wrong type and an unknown one when params are checked', () => {
    const text =
      'name: x\nparams:\n  diff: { required: true }\n  rounds: { type: number }\nsteps:\n  - { key: a, title: A }\n';
    expect(problemsOf(text)).toEqual([]);
    expect(problemsOf(text, { rounds: 'many', difff: 'x' })).toEqual([
      '2:1 --set difff: the plan declares no param "difff" (did you mean "diff"?)',
      '3:3 param "diff" is required: pass --set diff=VALUE',
      '4:3 --set rounds=many: param "rounds" is a number',
    ]);
  });

  it('names duplicate keys and a fallback that is not a sibling', () => {
    const text = 'name: x\nsteps:\n  - { key: a, title: A, fallback: z }\n  - { key: a, title: B }\n';
    expect(problemsOf(text)).toEqual([
      '3:35 the fallback of "a" is "z", which is not a step beside it',
      '4:12 duplicate step key "a"',
    ]);
  });

  it('checks nested steps with the dependencies of the steps they are inside', () => {
    const text = `name: x
steps:
  - { key: a, title: A }
  - key: b
    title: B
    dependsOn: [a]
    steps:
      - { key: b1, title: B1, prompt: "{{steps.a.result}}" }
      - { key: b2, title: B2, dependsOn: [b3] }
`;
    expect(problemsOf(text)).toEqual([
      '9:43 step "b2" depends on "b3", which is not a step beside it (did you mean "b1"?)',
    ]);
  });

  it('names a cycle that runs through a fallback', () => {
    const text = `name: x
steps:
  - { key: a, title: A, fallback: b }
  - { key: b, title: B, dependsOn: [c] }
  - { key: c, title: C, dependsOn: [a] }
`;
    expect(problemsOf(text)).toEqual([
      '5:12 dependency cycle: b → c → b ("c" depends on "a", so it waits on its fallback "b" too)',
    ]);
  });
});
