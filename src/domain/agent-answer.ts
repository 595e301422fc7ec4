import type { z } from 'zod';
import type { AgentRole } from './agent-role.js';
import { checkerAnswerSchema, type CheckerAnswer } from './checker-answer.js';
import { executorAnswerSchema, type ExecutorAnswer } from './executor-answer.js';
import { plannerAnswerSchema, type PlannerAnswer } from './planner-answer.js';
import { sequencerAnswerSchema, type SequencerAnswer } from './sequencer-answer.js';

/** The answer type of each role. */
export interface AgentAnswers {
  planner: PlannerAnswer;
  sequencer: SequencerAnswer;
  executor: ExecutorAnswer;
  checker: CheckerAnswer;
}

/** The zod schema of each role's answer; the same schema is sent to the model. */
export const agentAnswerSchemas: { [R in AgentRole]: z.ZodType<AgentAnswers[R]> } = {
  planner: plannerAnswerSchema,
  sequencer: sequencerAnswerSchema,
  executor: executorAnswerSchema,
  checker: checkerAnswerSchema,
};
