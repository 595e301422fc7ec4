import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { makeTempDir, repoRoot, runCli, runIdFrom, startCli, waitFor } from '../support/cli.js';

/** One span as OTLP/JSON carries it (the fields the test reads). */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: { stringValue?: string; intValue?: number | string } }>;
}

interface OtlpExport {
  resourceSpans: Array<{
    resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
    scopeSpans: Array<{ spans: OtlpSpan[] }>;
  }>;
}

/** A local OTLP/HTTP receiver: accepts `POST /v1/traces` in JSON and keeps what it got. */
async function startReceiver(): Promise<{ url: string; exports: OtlpExport[]; close: () => Promise<void> }> {
  const exports: OtlpExport[] = [];
  const server: Server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/v1/traces') {
        response.writeHead(404).end();
        return;
      }
      expect(request.headers['content-type']).toMatch(/application\/json/);
      exports.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    exports,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes.find((entry) => entry.key === key)?.value;
  return value?.stringValue ?? (value?.intValue === undefined ? undefined : Number(value.intValue));
};

let receiver: Awaited<ReturnType<typeof startReceiver>> | null = null;
afterEach(async () => {
  await receiver?.close();
  receiver = null;
});

describe('OTLP traces from the CLI', () => {
  it('sends the run, node and call spans to OTEL_EXPORTER_OTLP_ENDPOINT before exiting', async () => {
    receiver = await startReceiver();
    const dir = await makeTempDir();
    const script = path.join(repoRoot, 'examples', 'release-gate.script.yaml');
    const result = await runCli(
      [
        'run',
        '--prompt',
        'Ship release 1.2',
        '--llm',
        `script:${script}`,
        '--store',
        path.join(dir, 'store'),
        '--plain',
      ],
      { cwd: dir, env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'arbor-e2e' } },
    );
    // Non-interactive: the run stops at its approval gate (exit 3), and the spans still arrive.
    expect(result.code, result.stderr).toBe(3);
    const runId = runIdFrom(result.stdout);
    const spans = receiver.exports.flatMap((batch) =>
      batch.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)),
    );
    const service = receiver.exports[0]?.resourceSpans[0]?.resource.attributes.find(
      (entry) => entry.key === 'service.name',
    );
    expect(service?.value.stringValue).toBe('arbor-e2e');

    const store = await openStore(path.join(dir, 'store'));
    const run = await store.getRun(runId).finally(() => store.close());
    const runSpan = spans.find((span) => span.name === 'arbor.run');
    expect(runSpan && { traceId: runSpan.traceId, spanId: runSpan.spanId }).toEqual(run?.trace);
    expect(attribute(runSpan!, 'arbor.run.id')).toBe(runId);
    expect(spans.every((span) => span.traceId === run?.trace?.traceId)).toBe(true);

    const root = spans.find((span) => span.name === 'node 0')!;
    expect(root.parentSpanId).toBe(runSpan!.spanId);
    const planner = spans.find((span) => attribute(span, 'arbor.role') === 'planner')!;
    expect(planner.parentSpanId).toBe(root.spanId);
    expect(planner.kind).toBe(3); // SPAN_KIND_CLIENT
    expect(attribute(planner, 'gen_ai.operation.name')).toBe('chat');
    expect(attribute(planner, 'gen_ai.request.model')).toBe('release-gate.script.yaml');
    expect(attribute(planner, 'gen_ai.usage.output_tokens')).toBeGreaterThan(0);
    expect(JSON.stringify(spans)).not.toContain('Ship release');

    // A resume in another process joins the same trace, under the run's span.
    const gate = spans.find((span) => attribute(span, 'arbor.node.status') === 'awaiting_approval');
    const nodeId = attribute(gate!, 'arbor.node.id') as string;
    const storeArgs = ['--store', path.join(dir, 'store')];
    expect((await runCli(['approve', runId, nodeId, ...storeArgs], { cwd: dir })).code).toBe(0);
    receiver.exports.length = 0;
    const resumed = await runCli(['resume', runId, ...storeArgs, '--plain', '--trace-content'], {
      cwd: dir,
      env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces` },
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    const later = receiver.exports.flatMap((batch) =>
      batch.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)),
    );
    const drive = later.find((span) => span.name === 'arbor.resume');
    expect(drive?.traceId).toBe(run?.trace?.traceId);
    expect(drive?.parentSpanId).toBe(run?.trace?.spanId);
    // With --trace-content the prompt is there.
    expect(attribute(drive!, 'arbor.run.prompt')).toBe('Ship release 1.2');
  });

  it('flushes the spans when SIGTERM stops a run', async () => {
    receiver = await startReceiver();
    const dir = await makeTempDir();
    const script = path.join(repoRoot, 'examples', 'demo.script.yaml');
    const cli = startCli(
      ['run', '--prompt', 'Build a todo app', '--llm', `script:${script}`, '--pace', '300', '--plain'],
      { cwd: dir, env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } },
    );
    await waitFor('the run to start', () => /Run r-[0-9a-z]+ started/.test(cli.stdout()));
    await waitFor('some progress', () => cli.stdout().trim().split('\n').length >= 4);
    cli.child.kill('SIGTERM');
    const result = await cli.exited;
    expect(result.signal).toBeNull();
    const spans = receiver.exports.flatMap((batch) =>
      batch.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)),
    );
    const runSpan = spans.find((span) => span.name === 'arbor.run');
    expect(runSpan && attribute(runSpan, 'arbor.run.id')).toBe(runIdFrom(result.stdout));
    expect(spans.some((span) => span.name === 'node 0')).toBe(true);
  });

  it('makes no span and stores no trace without an endpoint', async () => {
    const dir = await makeTempDir();
    const script = path.join(repoRoot, 'examples', 'release-gate.script.yaml');
    const result = await runCli(
      [
        'run',
        '--prompt',
        'Ship release 1.2',
        '--llm',
        `script:${script}`,
        '--store',
        path.join(dir, 'store'),
        '--trace-content',
      ],
      { cwd: dir },
    );
    expect(result.code, result.stderr).toBe(3);
    const store = await openStore(path.join(dir, 'store'));
    const run = await store.getRun(runIdFrom(result.stdout)).finally(() => store.close());
    expect(run?.trace).toBeUndefined();
  });
});
