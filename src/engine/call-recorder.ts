import type { CallRecord } from '../agents/index.js';
import { capCallText, type ModelCall } from '../domain/index.js';
import type { Store } from '../store/index.js';

/**
 * Stores every model call of a run (prompt, answer, usage, timings) for `arbor show`, from the
 * agent runtime's `onCallStart`/`onCallEnd` hooks. Texts are capped in size. Only the request's
 * system prompt and messages are kept — never headers or keys. Recording is best effort: a call
 * that cannot be stored must not stop the run (the node's own writes carry the state).
 */
export class CallRecorder {
  private readonly started = new WeakMap<CallRecord, string>();
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly store: Store,
    private readonly runId: string,
  ) {}

  /** Notes when a call started. */
  start(record: CallRecord): void {
    this.started.set(record, new Date().toISOString());
  }

  /** Stores the finished call. */
  end(record: CallRecord): void {
    const endedAt = new Date().toISOString();
    const call = modelCallOf(this.runId, record, this.started.get(record) ?? endedAt, endedAt);
    const write = this.store
      .recordCall(call)
      .catch(() => undefined)
      .finally(() => this.pending.delete(write));
    this.pending.add(write);
  }

  /** Resolves once every call handed to `end` is stored (or given up on). */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}

/** The stored form of one call. */
export function modelCallOf(runId: string, record: CallRecord, startedAt: string, endedAt: string): ModelCall {
  const { request, response } = record;
  return {
    schemaVersion: 1,
    runId,
    nodeId: record.nodeId,
    role: record.role,
    attempt: record.attempt,
    system: capCallText(request.system),
    messages: request.messages.map((message) => ({ role: message.role, content: capCallText(message.content) })),
    answer: response ? capCallText(response.refusal && !response.text ? response.refusal : response.text) : null,
    finishReason: response?.finishReason ?? null,
    usage: response?.usage ?? null,
    error: record.error,
    startedAt,
    endedAt,
    ...(record.provider === undefined ? {} : { provider: record.provider }),
    ...(record.model === undefined ? {} : { model: record.model }),
    retries: record.retries,
  };
}
