import type { CallRecord } from '../agents/index.js';
import type { NodeEvent, TaskNode } from '../domain/index.js';

/**
 * What the engine tells a tracer while it drives a run: the nodes this process creates and moves,
 * and every model call. A seam: the engine knows nothing of OpenTelemetry; the api layer turns these
 * into spans. Calls must be cheap and must not throw.
 */
export interface RunTracer {
  /** A node this process created or moved; the change is already stored. */
  nodeChange(node: TaskNode, event: NodeEvent): void;
  /** A model call for `node` is about to be sent (its provider and model are known). */
  callStart(record: CallRecord, node: TaskNode): void;
  /** The same call ended: `record.response` or `record.error` tells how. */
  callEnd(record: CallRecord, node: TaskNode): void;
}

/** The tracer of an untraced run: does nothing. */
export const noopRunTracer: RunTracer = {
  nodeChange: () => undefined,
  callStart: () => undefined,
  callEnd: () => undefined,
};
