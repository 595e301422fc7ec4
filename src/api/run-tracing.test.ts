import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { makeTempDir, repoRoot } from '../../test/support/cli.js';
import { openStore, type Store } from '../store/index.js';
import { recordDecision } from './decisions.js';
import { runWorker, type RunWorkerOptions } from './run-worker.js';
import { createRun, resumeRun, startRun } from './runs.js';

const prompt = 'Build the secret shop';

/** A root of two tasks, the first decomposed into two more. */
const treeScript = `
rules:
  - role: planner
    depth: 0
    respond:
      tasks:
        - { key: api, title: Write the API, description: 'endpoints' }
        - { key: ui, title: Write the UI, description: 'pages', dependsOn: [api] }
  - role: executor
    title: '^Write the API$'
    respond: { action: decompose, reason: 'too big' }
  - role: planner
    depth: 1
    respond:
      tasks:
        - { key: read, title: 'Read endpoints', description: 'GET' }
        - { key: write, title: 'Write endpoints', description: 'POST' }
defaults:
  sequencer: auto
  executor: { action: complete, result: { summary: 'done: {{node.title}}', output: 'answer for {{node.title}}' } }
  checker: { verdict: pass, feedback: '' }
`;

function memoryTracer() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { exporter, tracer: provider.getTracer('arbor-test') };
}

async function withStore<T>(use: (store: Store, dir: string) => Promise<T>): Promise<T> {
  const dir = await makeTempDir();
  const store = await openStore(dir);
  try {
    return await use(store, dir);
  } finally {
    await store.close();
  }
}

async function scriptFile(dir: string): Promise<string> {
  const file = path.join(dir, 'tree.script.yaml');
  await writeFile(file, treeScript);
  return `script:${file}`;
}

/** A worker of one run that leaves once the run is over. */
function workerOptions(store: Store, runId: string, outDir: string): RunWorkerOptions {
  return {
    store,
    id: 'w1',
    roles: ['planner', 'sequencer', 'executor', 'checker'],
    concurrency: null,
    leaseMs: 5_000,
    runId,
    llm: null,
    outDir,
    graceMs: 1_000,
    print: () => undefined,
    stopped: new Promise<string>(() => undefined),
    pollMs: 20,
  };
}

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const idOf = (span: ReadableSpan) => span.spanContext().spanId;

describe('run traces', () => {
  it('nest the run, its nodes as the tree is, and each model call, with GenAI attributes and no content', async () => {
    const { exporter, tracer } = memoryTracer();
    await withStore(async (store, dir) => {
      const handle = await startRun({
        store,
        prompt,
        llm: await scriptFile(dir),
        outDir: path.join(dir, 'out'),
        trace: { tracer },
      });
      expect((await handle.done).status).toBe('completed');
      const spans = exporter.getFinishedSpans();
      const nodes = await store.listNodes(handle.runId);
      const run = await store.getRun(handle.runId);

      const [runSpan, ...others] = spans.filter((span) => span.name === 'arbor.run');
      expect(others).toEqual([]);
      expect(parentOf(runSpan!)).toBeUndefined();
      expect(runSpan!.attributes).toMatchObject({
        'arbor.run.id': handle.runId,
        'arbor.run.status': 'completed',
      });
      // The run document says where its trace is, for resumes and workers.
      expect(run?.trace).toEqual({ traceId: runSpan!.spanContext().traceId, spanId: idOf(runSpan!) });
      expect(new Set(spans.map((span) => span.spanContext().traceId)).size).toBe(1);

      const nodeSpans = new Map(
        spans
          .filter((span) => span.name.startsWith('node '))
          .map((span) => [span.attributes['arbor.node.id'], span]),
      );
      expect([...nodeSpans.keys()].sort()).toEqual(nodes.map((node) => node.id).sort());
      for (const node of nodes) {
        const span = nodeSpans.get(node.id)!;
        const parent = node.parentId === null ? runSpan! : nodeSpans.get(node.parentId)!;
        expect(parentOf(span), `parent of node ${node.id}`).toBe(idOf(parent));
        expect(span.attributes).toMatchObject({
          'arbor.run.id': handle.runId,
          'arbor.node.depth': node.depth,
          'arbor.node.status': 'completed',
        });
      }
      expect(nodes.some((node) => node.depth === 2)).toBe(true);

      const calls = spans.filter((span) => span.kind === SpanKind.CLIENT);
      expect(calls.length).toBe(run?.usage.calls);
      for (const call of calls) {
        const nodeId = call.attributes['arbor.node.id'] as string;
        expect(parentOf(call)).toBe(idOf(nodeSpans.get(nodeId)!));
        expect(call.name).toBe('chat tree.script.yaml');
        expect(call.status.code).not.toBe(SpanStatusCode.ERROR);
        expect(call.attributes).toMatchObject({
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'script',
          'gen_ai.system': 'script',
          'gen_ai.request.model': 'tree.script.yaml',
          'gen_ai.response.finish_reasons': ['stop'],
          'arbor.run.id': handle.runId,
        });
        expect(call.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
        expect(call.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
      }
      expect(new Set(calls.map((call) => call.attributes['arbor.role']))).toEqual(
        new Set(['planner', 'sequencer', 'executor', 'checker']),
      );

      // Without trace content, no prompt, title or answer is on any span.
      const everything = JSON.stringify(spans.map((span) => span.attributes));
      expect(everything).not.toContain('secret shop');
      expect(everything).not.toContain('Write the API');
      expect(everything).not.toContain('gen_ai.input.messages');
    });
  });

  it('carry prompts, answers and titles only with trace content', async () => {
    const { exporter, tracer } = memoryTracer();
    await withStore(async (store, dir) => {
      const handle = await startRun({
        store,
        prompt,
        llm: await scriptFile(dir),
        outDir: path.join(dir, 'out'),
        trace: { tracer, content: true },
      });
      await handle.done;
      const spans = exporter.getFinishedSpans();
      expect(spans.find((span) => span.name === 'arbor.run')?.attributes['arbor.run.prompt']).toBe(prompt);
      expect(spans.find((span) => span.name === 'node 0')?.attributes['arbor.node.title']).toBe(prompt);
      const executor = spans.find(
        (span) => span.attributes['arbor.role'] === 'executor' && span.attributes['arbor.node.id'] === '2',
      )!;
      const input = JSON.parse(executor.attributes['gen_ai.input.messages'] as string) as Array<{
        role: string;
        parts: Array<{ type: string; content: string }>;
      }>;
      expect(input[0]).toMatchObject({ role: 'user', parts: [{ type: 'text' }] });
      expect(input[0]!.parts[0]!.content).toContain('Write the UI');
      expect(JSON.parse(executor.attributes['gen_ai.system_instructions'] as string)).toEqual([
        { type: 'text', content: expect.any(String) as string },
      ]);
      const output = JSON.parse(executor.attributes['gen_ai.output.messages'] as string) as Array<{
        role: string;
        finish_reason: string;
        parts: Array<{ content: string }>;
      }>;
      expect(output[0]).toMatchObject({ role: 'assistant', finish_reason: 'stop' });
      expect(output[0]!.parts[0]!.content).toContain('answer for Write the UI');
    });
  });

  it('join the stored trace on resume: the resumed drive is a child of the run span', async () => {
    const { exporter, tracer } = memoryTracer();
    const gate = `script:${path.join(repoRoot, 'examples', 'release-gate.script.yaml')}`;
    await withStore(async (store, dir) => {
      const first = await startRun({
        store,
        prompt: 'Ship release 1.2',
        llm: gate,
        outDir: path.join(dir, 'out'),
        waitForApprovals: false,
        trace: { tracer },
      });
      expect((await first.done).status).toBe('awaiting_approval');
      const stored = (await store.getRun(first.runId))!.trace!;
      const waiting = first.approvals().map((approval) => approval.nodeId);
      expect(waiting).toHaveLength(1);
      // The first drive leaves the waiting node's span and its ancestors' open: they end with the drive.
      const firstSpans = exporter.getFinishedSpans();
      expect(
        firstSpans.find((span) => span.attributes['arbor.node.id'] === waiting[0])?.attributes,
      ).toMatchObject({
        'arbor.node.status': 'awaiting_approval',
      });
      exporter.reset();

      await recordDecision(store, first.runId, waiting[0]!, { action: 'approve', by: 'test' });
      const resumed = await resumeRun({ store, runId: first.runId, trace: { tracer } });
      expect((await resumed.done).status).toBe('completed');
      const spans = exporter.getFinishedSpans();
      const drive = spans.find((span) => span.name === 'arbor.resume')!;
      expect(drive.attributes).toMatchObject({ 'arbor.drive': 'resume', 'arbor.run.id': first.runId });
      expect(drive.spanContext().traceId).toBe(stored.traceId);
      expect(parentOf(drive)).toBe(stored.spanId);
      expect(spans.every((span) => span.spanContext().traceId === stored.traceId)).toBe(true);
      expect(spans.some((span) => span.name === `node ${waiting[0]}`)).toBe(true);
      // The run keeps the trace it started with.
      expect((await store.getRun(first.runId))?.trace).toEqual(stored);
    });
  });

  it('put a worker of a detached run under the run span stored when it was created', async () => {
    const { exporter, tracer } = memoryTracer();
    await withStore(async (store, dir) => {
      const ready = await createRun({ store, prompt, llm: await scriptFile(dir), trace: { tracer } });
      ready.leave();
      const stored = (await store.getRun(ready.run.id))!.trace!;
      expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['arbor.run']);
      await runWorker({ ...workerOptions(store, ready.run.id, path.join(dir, 'out')), trace: { tracer } });
      expect((await store.getRun(ready.run.id))?.status).toBe('completed');
      const spans = exporter.getFinishedSpans();
      const worker = spans.find((span) => span.name === 'arbor.worker')!;
      expect(worker.attributes).toMatchObject({ 'arbor.worker.id': 'w1', 'arbor.drive': 'worker' });
      expect(parentOf(worker)).toBe(stored.spanId);
      expect(spans.every((span) => span.spanContext().traceId === stored.traceId)).toBe(true);
      expect(
        spans.find((span) => span.name === 'node 0') &&
          parentOf(spans.find((span) => span.name === 'node 0')!),
      ).toBe(idOf(worker));
      expect(spans.filter((span) => span.kind === SpanKind.CLIENT).length).toBeGreaterThan(0);
    });
  });

  it('start the trace of a run stored untraced in the first worker, and store it on the run', async () => {
    const { exporter, tracer } = memoryTracer();
    await withStore(async (store, dir) => {
      const ready = await createRun({ store, prompt, llm: await scriptFile(dir) });
      ready.leave();
      expect((await store.getRun(ready.run.id))?.trace).toBeUndefined();
      await runWorker({
        ...workerOptions(store, ready.run.id, path.join(dir, 'out')),
        trace: { tracer },
      });
      const worker = exporter.getFinishedSpans().find((span) => span.name === 'arbor.run')!;
      expect(worker.attributes['arbor.drive']).toBe('worker');
      expect(parentOf(worker)).toBeUndefined();
      expect((await store.getRun(ready.run.id))?.trace).toEqual({
        traceId: worker.spanContext().traceId,
        spanId: idOf(worker),
      });
    });
  });

  it('mark a failed call, its node and the failed run as errors', async () => {
    const { exporter, tracer } = memoryTracer();
    await withStore(async (store, dir) => {
      const file = path.join(dir, 'failing.script.yaml');
      await writeFile(
        file,
        treeScript.replace(
          'rules:\n',
          () => "rules:\n  - role: executor\n    title: '^Write the UI$'\n    error: { status: 400 }\n",
        ),
      );
      const handle = await startRun({
        store,
        prompt,
        llm: `script:${file}`,
        outDir: path.join(dir, 'out'),
        trace: { tracer },
      });
      expect((await handle.done).status).toBe('failed');
      const spans = exporter.getFinishedSpans();
      const call = spans.find(
        (span) => span.kind === SpanKind.CLIENT && span.attributes['arbor.node.id'] === '2',
      )!;
      expect(call.status.code).toBe(SpanStatusCode.ERROR);
      expect(call.attributes['error.type']).toBe('_OTHER');
      expect(call.attributes['gen_ai.usage.input_tokens']).toBeUndefined();
      const node = spans.find((span) => span.name === 'node 2')!;
      expect(node.status.code).toBe(SpanStatusCode.ERROR);
      // Without trace content, a node's error is named by its kind, not by its words.
      expect(node.status.message).toBe(`the node failed (${String(node.attributes['error.type'])})`);
      const run = spans.find((span) => span.name === 'arbor.run')!;
      expect(run.status.code).toBe(SpanStatusCode.ERROR);
      expect(run.attributes['arbor.run.status']).toBe('failed');
      expect(run.status.message).toBe('the run failed');
    });
  });

  it('are not made, nor stored on the run, without a trace setting', async () => {
    await withStore(async (store, dir) => {
      const handle = await startRun({
        store,
        prompt,
        llm: await scriptFile(dir),
        outDir: path.join(dir, 'out'),
      });
      await handle.done;
      expect((await store.getRun(handle.runId))?.trace).toBeUndefined();
    });
  });
});
