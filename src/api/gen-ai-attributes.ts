import type { Attributes } from '@opentelemetry/api';
import type { CallRecord } from '../agents/index.js';
import { capCallText } from '../domain/index.js';
import type { FinishReason } from '../llm/model.js';

/**
 * The GenAI semantic-convention attribute names Arbor sets. They are still "development" status,
 * so they are copied here rather than imported from the incubating entry point, as the convention
 * packages advise.
 * @see https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/
 */
export const genAi = {
  operationName: 'gen_ai.operation.name',
  providerName: 'gen_ai.provider.name',
  /** The older name of the provider attribute, still what many backends read. */
  system: 'gen_ai.system',
  agentName: 'gen_ai.agent.name',
  requestModel: 'gen_ai.request.model',
  requestTemperature: 'gen_ai.request.temperature',
  requestMaxTokens: 'gen_ai.request.max_tokens',
  responseFinishReasons: 'gen_ai.response.finish_reasons',
  usageInputTokens: 'gen_ai.usage.input_tokens',
  usageOutputTokens: 'gen_ai.usage.output_tokens',
  systemInstructions: 'gen_ai.system_instructions',
  inputMessages: 'gen_ai.input.messages',
  outputMessages: 'gen_ai.output.messages',
} as const;

/** Arbor's own attributes on its spans. */
export const arborAttributes = {
  runId: 'arbor.run.id',
  drive: 'arbor.drive',
  workerId: 'arbor.worker.id',
  runStatus: 'arbor.run.status',
  prompt: 'arbor.run.prompt',
  nodeId: 'arbor.node.id',
  parentId: 'arbor.node.parent_id',
  depth: 'arbor.node.depth',
  key: 'arbor.node.key',
  title: 'arbor.node.title',
  nodeStatus: 'arbor.node.status',
  role: 'arbor.role',
  attempt: 'arbor.attempt',
  retries: 'arbor.retries',
} as const;

/** Arbor's finish reasons in the convention's words. */
const finishReasons: Record<FinishReason, string> = {
  complete: 'stop',
  truncated: 'length',
  refused: 'content_filter',
};

/** What a call span carries when it starts: the request, and its text only when content is traced. */
export function callStartAttributes(record: CallRecord, content: boolean): Attributes {
  const { request } = record;
  const attributes: Attributes = {
    [genAi.operationName]: 'chat',
    [genAi.agentName]: record.role,
    [genAi.requestMaxTokens]: request.maxOutputTokens,
    [arborAttributes.runId]: request.subject.run.id,
    [arborAttributes.nodeId]: record.nodeId,
    [arborAttributes.role]: record.role,
    [arborAttributes.attempt]: record.attempt,
  };
  if (record.provider !== undefined) {
    attributes[genAi.providerName] = record.provider;
    attributes[genAi.system] = record.provider;
  }
  if (record.model !== undefined) attributes[genAi.requestModel] = record.model;
  if (request.temperature !== null) attributes[genAi.requestTemperature] = request.temperature;
  if (content) {
    attributes[genAi.systemInstructions] = JSON.stringify([
      { type: 'text', content: capCallText(request.system) },
    ]);
    attributes[genAi.inputMessages] = JSON.stringify(
      request.messages.map((message) => ({
        role: message.role,
        parts: [{ type: 'text', content: capCallText(message.content) }],
      })),
    );
  }
  return attributes;
}

/** What a call span carries when it ends: usage and finish reason, and the answer only when content is traced. */
export function callEndAttributes(record: CallRecord, content: boolean): Attributes {
  const attributes: Attributes = { [arborAttributes.retries]: record.retries };
  const { response } = record;
  if (!response) return attributes;
  const finishReason = finishReasons[response.finishReason];
  attributes[genAi.usageInputTokens] = response.usage.inputTokens;
  attributes[genAi.usageOutputTokens] = response.usage.outputTokens;
  attributes[genAi.responseFinishReasons] = [finishReason];
  if (content) {
    const text = response.refusal && !response.text ? response.refusal : response.text;
    attributes[genAi.outputMessages] = JSON.stringify([
      {
        role: 'assistant',
        parts: [{ type: 'text', content: capCallText(text) }],
        finish_reason: finishReason,
      },
    ]);
  }
  return attributes;
}
