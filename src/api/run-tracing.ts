import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import type { CallRecord } from '../agents/index.js';
import type { NodeEvent, NodeStatus, RunStatus, RunTrace, TaskNode } from '../domain/index.js';
import type { RunTracer } from '../engine/index.js';
import { arborAttributes, callEndAttributes, callStartAttributes } from './gen-ai-attributes.js';

/** How a run is traced with OpenTelemetry (the library's `trace` setting; `--trace-content` on the CLI). */
export interface TraceOptions {
  /**
   * The tracer to make spans with; default: the global one (`trace.getTracer('arbor')`), which does
   * nothing until the application registers an OpenTelemetry SDK.
   */
  tracer?: Tracer;
  /** Put prompts, answers and node titles on the spans; default false: ids, models, tokens and statuses only. */
  content?: boolean;
}

/** How this process takes part in the run: it started it, resumes it, or works on it as a worker. */
export type DriveKind = 'start' | 'resume' | 'worker';

/** Options of {@link RunTracing.open}. */
export interface OpenRunTracingOptions {
  trace: TraceOptions;
  kind: DriveKind;
  /** The run's stored trace: this drive's span joins it. Null: this drive's span starts the run's trace. */
  parent: RunTrace | null;
  /** The run's id once it is known (a new run gets it only when stored: see {@link RunTracing.identify}). */
  runId?: string;
  prompt: string;
  workerId?: string;
}

/** How the drive ended, for the drive's span. */
export type DriveEnd = { status: RunStatus; message?: string } | { error: unknown } | { left: true };

const endedStatuses: ReadonlySet<NodeStatus> = new Set(['completed', 'failed', 'skipped', 'cancelled']);

/**
 * The spans of one process's drive of a run, following the GenAI semantic conventions: the drive's
 * span (the run's root span for the process that starts it; a child of the stored one on resume and
 * in workers), a span per node nested as the tree is (a node's span is a child of its parent's), and
 * a `chat` span per model call under its node. Prompts and answers only with `content`.
 */
export class RunTracing implements RunTracer {
  /** The drive's span. */
  readonly span: Span;
  private readonly tracer: Tracer;
  private readonly content: boolean;
  private readonly context: Context;
  private readonly nodeSpans = new Map<string, { span: Span; context: Context }>();
  private readonly callSpans = new WeakMap<CallRecord, Span>();
  private nodeOf: (nodeId: string) => TaskNode | undefined = () => undefined;
  private ended = false;

  private constructor(tracer: Tracer, content: boolean, span: Span) {
    this.tracer = tracer;
    this.content = content;
    this.span = span;
    this.context = trace.setSpan(ROOT_CONTEXT, span);
  }

  /** Starts the drive's span. */
  static open(options: OpenRunTracingOptions): RunTracing {
    const tracer = options.trace.tracer ?? trace.getTracer('arbor');
    const content = options.trace.content ?? false;
    const parent = options.parent
      ? trace.setSpanContext(ROOT_CONTEXT, {
          traceId: options.parent.traceId,
          spanId: options.parent.spanId,
          traceFlags: TraceFlags.SAMPLED,
          isRemote: true,
        })
      : ROOT_CONTEXT;
    const attributes: Attributes = { [arborAttributes.drive]: options.kind };
    if (options.runId !== undefined) attributes[arborAttributes.runId] = options.runId;
    if (options.workerId !== undefined) attributes[arborAttributes.workerId] = options.workerId;
    if (content) attributes[arborAttributes.prompt] = options.prompt;
    const name =
      options.parent === null ? 'arbor.run' : options.kind === 'worker' ? 'arbor.worker' : 'arbor.resume';
    const span = tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes }, parent);
    return new RunTracing(tracer, content, span);
  }

  /** The ids to store on the run so that later drives join this trace; null when spans are not recorded. */
  get stored(): RunTrace | null {
    const { traceId, spanId } = this.span.spanContext();
    return this.span.isRecording() && trace.isSpanContextValid(this.span.spanContext())
      ? { traceId, spanId }
      : null;
  }

  /** Names the run on the drive's span (a new run has an id only once it is stored). */
  identify(runId: string): void {
    this.span.setAttribute(arborAttributes.runId, runId);
  }

  /** Where to read nodes this process has not created or moved (ancestors of the nodes it works on). */
  watch(nodeOf: (nodeId: string) => TaskNode | undefined): void {
    this.nodeOf = nodeOf;
  }

  nodeChange(node: TaskNode, _event: NodeEvent): void {
    if (this.ended) return;
    const open = this.nodeSpan(node);
    if (!endedStatuses.has(node.status)) return;
    open.span.setAttribute(arborAttributes.nodeStatus, node.status);
    if (node.status === 'failed') {
      // A node's error may quote the model (a refusal, a checker's feedback): its words are content.
      const kind = node.error?.kind ?? 'internal';
      open.span.setAttribute('error.type', kind);
      const message = this.content && node.error ? node.error.message : `the node failed (${kind})`;
      open.span.setStatus({ code: SpanStatusCode.ERROR, message });
    }
    open.span.end();
    this.nodeSpans.delete(node.id);
  }

  callStart(record: CallRecord, node: TaskNode): void {
    if (this.ended) return;
    const name = record.model === undefined ? 'chat' : `chat ${record.model}`;
    const attributes = callStartAttributes(record, this.content);
    const span = this.tracer.startSpan(
      name,
      { kind: SpanKind.CLIENT, attributes },
      this.nodeSpan(node).context,
    );
    this.callSpans.set(record, span);
  }

  callEnd(record: CallRecord, _node: TaskNode): void {
    const span = this.callSpans.get(record);
    if (!span) return;
    this.callSpans.delete(record);
    span.setAttributes(callEndAttributes(record, this.content));
    if (record.error !== null) {
      span.setAttribute('error.type', '_OTHER');
      span.setStatus({ code: SpanStatusCode.ERROR, message: record.error });
    } else if (record.response?.finishReason === 'refused') {
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'the model refused to answer' });
    }
    span.end();
  }

  /** Ends the spans still open (nodes this drive leaves unfinished) and the drive's span. */
  end(how: DriveEnd): void {
    if (this.ended) return;
    this.ended = true;
    for (const [nodeId, open] of this.nodeSpans) {
      const status = this.nodeOf(nodeId)?.status;
      if (status !== undefined) open.span.setAttribute(arborAttributes.nodeStatus, status);
      open.span.end();
    }
    this.nodeSpans.clear();
    if ('error' in how) {
      const message = how.error instanceof Error ? how.error.message : String(how.error);
      this.span.setStatus({ code: SpanStatusCode.ERROR, message });
    } else if ('status' in how) {
      this.span.setAttribute(arborAttributes.runStatus, how.status);
      if (how.status === 'failed')
        this.span.setStatus({
          code: SpanStatusCode.ERROR,
          message: this.content && how.message !== undefined ? how.message : 'the run failed',
        });
    }
    this.span.end();
  }

  /** The node's open span, opened (with its ancestors' spans) when this drive has none yet. */
  private nodeSpan(node: TaskNode): { span: Span; context: Context } {
    const known = this.nodeSpans.get(node.id);
    if (known) return known;
    const parent = node.parentId === null ? undefined : this.nodeOf(node.parentId);
    const parentContext = parent ? this.nodeSpan(parent).context : this.context;
    const attributes: Attributes = {
      [arborAttributes.runId]: node.runId,
      [arborAttributes.nodeId]: node.id,
      [arborAttributes.depth]: node.depth,
      [arborAttributes.key]: node.key,
    };
    if (node.parentId !== null) attributes[arborAttributes.parentId] = node.parentId;
    if (this.content) attributes[arborAttributes.title] = node.title;
    const span = this.tracer.startSpan(
      `node ${node.id}`,
      { kind: SpanKind.INTERNAL, attributes },
      parentContext,
    );
    const open = { span, context: trace.setSpan(ROOT_CONTEXT, span) };
    this.nodeSpans.set(node.id, open);
    return open;
  }
}
