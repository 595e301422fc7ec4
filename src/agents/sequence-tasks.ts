import { type PlannedTask, type SequencerAnswer, type Usage } from '../domain/index.js';
import type { AgentRuntime } from './agent-runtime.js';
import { askAgent } from './ask-agent.js';
import { baseTemplateData, type NodeContext } from './node-context.js';
import { subjectOf } from './subject-of.js';
import { fallbackSequence, validateSequence } from './validate-sequence.js';

/** The order of a node's children, and whether Arbor had to derive it itself. */
export interface SequenceOutcome {
  value: SequencerAnswer;
  /** Why the sequencer's answer was not used, when it was not. */
  fallbackReason: string | null;
  calls: number;
  usage: Usage;
}

/**
 * Asks the sequencer to order the planned children. An invalid answer is sent back once with the
 * validation error; if still invalid, the order is derived from the dependencies (DESIGN §1.2).
 */
export async function sequenceTasks(
  runtime: AgentRuntime,
  context: NodeContext,
  tasks: readonly PlannedTask[],
): Promise<SequenceOutcome> {
  const prompt = runtime.templateFor('sequencer', context.node.id)({ ...baseTemplateData(context), tasks });
  const outcome = await askAgent(runtime, {
    role: 'sequencer',
    prompt,
    subject: { ...subjectOf(context, 'sequencer'), tasks },
    validate: (answer) => validateSequence(tasks, answer),
  });
  const spent = { calls: outcome.calls, usage: outcome.usage };
  if (outcome.success) return { value: outcome.value, fallbackReason: null, ...spent };
  return { value: fallbackSequence(tasks, outcome.error.message), fallbackReason: outcome.error.message, ...spent };
}
