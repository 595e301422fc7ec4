import { describe, expect, it } from 'vitest';
import { executorAnswerSchema } from './executor-answer.js';
import { fillAnswerDefaults } from './fill-answer-defaults.js';
import { plannerAnswerSchema } from './planner-answer.js';

describe('fillAnswerDefaults', () => {
  it('fills omitted nullable fields, lists and flags so a short answer validates', () => {
    const filled = fillAnswerDefaults(plannerAnswerSchema, {
      tasks: [{ key: 'a', title: 'A', description: 'd' }],
    });
    expect(filled).toEqual({
      tasks: [
        {
          key: 'a',
          title: 'A',
          description: 'd',
          dependsOn: [],
          notes: [],
          requiresApproval: false,
          approvalReason: null,
        },
      ],
    });
    expect(plannerAnswerSchema.safeParse(filled).success).toBe(true);
  });

  it('fills inside nested objects and leaves given values alone', () => {
    const filled = fillAnswerDefaults(executorAnswerSchema, {
      action: 'complete',
      result: { summary: 's', output: 'o' },
    });
    expect(filled).toEqual({
      action: 'complete',
      reason: null,
      result: { summary: 's', output: 'o', artifacts: [] },
    });
  });

  it('does not invent required text', () => {
    const filled = fillAnswerDefaults(plannerAnswerSchema, { tasks: [{ key: 'a' }] });
    expect(plannerAnswerSchema.safeParse(filled).success).toBe(false);
  });
});
