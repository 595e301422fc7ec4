import {
  agentAnswerSchemas,
  fillAnswerDefaults,
  ModelBehaviourError,
  sequenceByDependencies,
  ProviderError,
  UsageError,
  type Usage,
} from '../../domain/index.js';
import type { Model, ModelRequest, ModelResponse } from '../model.js';
import { sleep } from '../with-retries.js';
import { appendCallLog } from './call-log.js';
import { loadScript } from './load-script.js';
import { matchScript, type ScriptMatch } from './match-script.js';
import type { Script } from './parse-script.js';

/** Options of {@link createScriptedModel}: a script file to load, or a script already parsed. */
export type ScriptedModelOptions = ({ file: string } | { script: Script }) & {
  /** Append one JSON line per call to this file when the call starts (the CLI passes `ARBOR_SCRIPT_LOG`). */
  callLog?: string;
  /** The clock of call-log lines; tests pin it. */
  now?: () => Date;
  /** Every call takes at least this long (ms): the paced demo, `--pace MS` (`ARBOR_SCRIPT_PACE_MS`). */
  paceMs?: number;
  /** How a call waits out its latency; tests replace it. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
};

/**
 * The model behind `--llm script:FILE` (DESIGN §6): answers every call from a script's rules and
 * defaults, with simulated latency, provider errors and malformed output, so that runs, tests and
 * benchmarks need no network. Its answers are validated by the caller exactly like a model's.
 */
export function createScriptedModel(options: ScriptedModelOptions): Model {
  const script = 'file' in options ? loadScript(options.file) : options.script;
  const now = options.now ?? (() => new Date());
  /** Answers given by rules with `times`, per rule and call. */
  const ruleUses = new Map<string, number>();
  return {
    provider: 'script',
    modelId: script.name,
    async generate(request: ModelRequest): Promise<ModelResponse> {
      const { role, subject, signal } = request;
      if (options.callLog !== undefined)
        appendCallLog(options.callLog, {
          at: now().toISOString(),
          runId: subject.run.id,
          nodeId: subject.node.id,
          title: subject.node.title,
          depth: subject.node.depth,
          role,
          attempt: subject.attempt,
        });
      const callKey = JSON.stringify([subject.run.id, subject.node.id, role, subject.attempt]);
      const match = matchScript(
        script,
        role,
        subject,
        (rule) => ruleUses.get(`${rule.index} ${callKey}`) ?? 0,
      );
      if (match === null)
        throw new UsageError(
          `script ${script.source} has no answer for the ${role} call on node ${subject.node.id} ` +
            `("${subject.node.title}", depth ${subject.node.depth}, attempt ${subject.attempt})`,
          {
            runId: subject.run.id,
            nodeId: subject.node.id,
            role,
            hint: `Add a rule with role: ${role} that matches this node, or a defaults.${role} answer.`,
          },
        );
      if (match.rule?.times != null) {
        const useKey = `${match.rule.index} ${callKey}`;
        ruleUses.set(useKey, (ruleUses.get(useKey) ?? 0) + 1);
      }
      signal?.throwIfAborted();
      const delayMs = Math.max(match.delayMs, options.paceMs ?? 0);
      if (delayMs > 0) await (options.sleep ?? sleep)(delayMs, signal);
      const text = answerText(script, match, request);
      return { text, finishReason: 'complete', refusal: null, usage: estimateUsage(request, text) };
    },
  };
}

function answerText(script: Script, match: ScriptMatch, request: ModelRequest): string {
  const { role, subject } = request;
  const origin = `${script.source} ${match.rule === null ? `defaults.${role}` : `rules[${match.rule.index}]`}`;
  const context = { runId: subject.run.id, nodeId: subject.node.id, role };
  const { answer } = match;
  switch (answer.kind) {
    case 'raw':
      return answer.text;
    case 'error':
      throw new ProviderError(
        `${answer.message ?? 'simulated provider error'} (HTTP ${answer.status}, ${origin})`,
        {
          ...context,
          status: answer.status,
          retryable: isRetryableStatus(answer.status),
          retryAfterMs: answer.retryAfterMs,
        },
      );
    case 'auto': {
      const sequence = sequenceByDependencies(subject.tasks ?? []);
      if (!sequence.success)
        throw new ModelBehaviourError(`${origin}: cannot sequence automatically: ${sequence.error}`, context);
      return JSON.stringify(sequence.value);
    }
    case 'respond': {
      let value: unknown;
      try {
        value = answer.template({ node: subject.node, run: subject.run, attempt: subject.attempt });
      } catch (error) {
        throw new UsageError(`${origin}: a template failed: ${(error as Error).message}`, {
          ...context,
          cause: error,
        });
      }
      return JSON.stringify(fillAnswerDefaults(agentAnswerSchemas[role], value));
    }
  }
}

/** The statuses a real provider adapter marks retryable: timeouts, conflicts, rate limits, 5xx. */
function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** Roughly four characters per token, so budgets and usage totals behave as with a real model. */
function estimateUsage(request: ModelRequest, text: string): Usage {
  const inputChars =
    request.system.length + request.messages.reduce((sum, message) => sum + message.content.length, 0);
  return {
    calls: 1,
    inputTokens: Math.ceil(inputChars / 4),
    outputTokens: Math.ceil(text.length / 4),
    cachedTokens: 0,
    costUsd: 0,
  };
}
