import {
  addUsage,
  emptyUsage,
  ModelBehaviourError,
  type AgentAnswers,
  type AgentRole,
  type Result,
  type Usage,
} from '../domain/index.js';
import type { CallSubject, ChatMessage, ModelRequest, ModelResponse } from '../llm/model.js';
import { withRetries } from '../llm/with-retries.js';
import type { AgentRuntime, CallRecord } from './agent-runtime.js';
import { fairTurn } from './fair-turn.js';
import { answerSchemaFor } from './answer-json-schema.js';
import { parseAnswer } from './parse-answer.js';
import { markSpentBeforeError } from './spent-before-error.js';
import type { RenderedPrompt } from './prompt-templates.js';

/** One question to an agent. */
export interface AgentQuestion<R extends AgentRole> {
  role: R;
  prompt: RenderedPrompt;
  /** The first call's subject; re-asks count as further attempts. */
  subject: CallSubject;
  /** Checks beyond the schema (e.g. a sequencer's graph); an error is sent back to the model. */
  validate?: (answer: AgentAnswers[R]) => Result<AgentAnswers[R]>;
}

/** The answer, or why there is none, with what the calls cost either way. */
export type AgentOutcome<R extends AgentRole> = (
  | { success: true; value: AgentAnswers[R] }
  | { success: false; error: ModelBehaviourError; lastAnswer: string | null }
) & { calls: number; usage: Usage };

const estimateTokens = (text: string): number => Math.ceil(text.length / 4);

/**
 * Asks an agent for a valid answer: renders the request, calls the model inside a concurrency slot
 * with budget reserved, retries provider faults, validates, and re-asks with the validation error
 * (`reasks` times) before giving up. Provider faults that outlast retries and budget stops throw,
 * with the cost of any earlier answers noted on the error (`spentBeforeError`).
 */
export async function askAgent<R extends AgentRole>(
  runtime: AgentRuntime,
  question: AgentQuestion<R>,
): Promise<AgentOutcome<R>> {
  const { role, prompt, subject } = question;
  const config = runtime.configFor(role, subject.node.id);
  const messages: ChatMessage[] = [{ role: 'user', content: prompt.user }];
  let usage = emptyUsage;
  let calls = 0;
  let problem = '';
  let lastAnswer: string | null = null;

  for (let ask = 0; ask <= config.reasks; ask++) {
    const request: ModelRequest = {
      role,
      system: prompt.system,
      messages: [...messages],
      schema: answerSchemaFor(role),
      temperature: config.temperature,
      maxOutputTokens: config.maxOutputTokens,
      cacheKey: runtime.cacheKey,
      subject: { ...subject, attempt: subject.attempt + ask },
      signal: runtime.signal,
    };
    let response: ModelResponse;
    try {
      response = await callModel(runtime, request);
    } catch (error) {
      // Earlier answers were billed: the engine must still count them.
      markSpentBeforeError(error, { role, calls, usage });
      throw error;
    }
    calls++;
    usage = addUsage(usage, response.usage);
    lastAnswer = response.text;

    if (response.finishReason === 'refused') {
      const words = response.refusal ? `: "${response.refusal}"` : '';
      return failure(`the ${role} refused to answer${words}`);
    }
    const checked =
      response.finishReason === 'truncated'
        ? ({ success: false, error: `the answer was cut off at the output limit (${config.maxOutputTokens} tokens)` } as const)
        : validateText(question, response.text);
    if (checked.success) return { success: true, value: checked.value, calls, usage };

    problem = checked.error;
    messages.push(
      { role: 'assistant', content: response.text },
      {
        role: 'user',
        content:
          response.finishReason === 'truncated'
            ? `${problem}. Answer again, more concisely, with the complete JSON object.`
            : `Your answer was invalid: ${problem}. Answer again with one JSON object that follows the schema.`,
      },
    );
  }
  const tries = config.reasks + 1;
  return failure(`the ${role} gave no valid answer in ${tries} ${tries === 1 ? 'try' : 'tries'}: ${problem}`);

  function failure(message: string): AgentOutcome<R> {
    const error = new ModelBehaviourError(message, { role, nodeId: subject.node.id, runId: subject.run.id });
    return { success: false, error, lastAnswer, calls, usage };
  }
}

function validateText<R extends AgentRole>(question: AgentQuestion<R>, text: string): Result<AgentAnswers[R]> {
  const parsed = parseAnswer(question.role, text);
  if (!parsed.success || !question.validate) return parsed;
  return question.validate(parsed.value);
}

async function callModel(runtime: AgentRuntime, request: ModelRequest): Promise<ModelResponse> {
  const { role } = request;
  const nodeId = request.subject.node.id;
  const config = runtime.configFor(role, nodeId);
  const record: CallRecord = { role, nodeId, attempt: request.subject.attempt, request, response: null, error: null, retries: 0 };
  return runtime.withSlot(role, async () => {
    const inputTokens = estimateTokens(request.system) + request.messages.reduce((n, m) => n + estimateTokens(m.content), 0);
    const reservation = await runtime.reserve({ inputTokens, maxOutputTokens: config.maxOutputTokens });
    const model = runtime.modelFor(role, nodeId);
    record.provider = model.provider;
    record.model = model.modelId;
    runtime.onCallStart?.(record);
    try {
      const response = await withRetries(() => model.generate(request), {
        policy: config.retry,
        signal: runtime.signal,
        onRetry: ({ attempt, delayMs, error }) => {
          record.retries++;
          runtime.onRetry?.({ role, nodeId, attempt, delayMs, reason: error.message });
        },
      });
      const turn = fairTurn();
      if (turn) await turn;
      await reservation.settle(response.usage);
      record.response = response;
      return response;
    } catch (error) {
      // The call's own failure is what matters; a reservation not given back only holds budget.
      await Promise.resolve(reservation.cancel()).catch(() => undefined);
      record.error = (error as Error).message;
      throw error;
    } finally {
      runtime.onCallEnd?.(record);
    }
  }, nodeId);
}
