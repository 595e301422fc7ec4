import path from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { serve } from '../../src/service/index.js';
import { openStore } from '../../src/store/index.js';
import { makeTempDir, repoRoot, waitFor } from '../support/cli.js';
import { ServiceClient } from '../support/service-client.js';

const token = 'test-token-0123456789abcdef';

describe('arbor serve traces', () => {
  it('traces the runs it drives, and a run resumed by the next server joins the same trace', async () => {
    const exporter = new InMemorySpanExporter();
    const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer(
      't',
    );
    const dir = await makeTempDir('arbor-serve-');
    const store = await openStore(path.join(dir, 'store'));
    const options = { store, port: 0, env: { ARBOR_TOKEN: token }, pollMs: 100, trace: { tracer } };
    let service = await serve(options);
    try {
      const llm = `script:${path.join(repoRoot, 'examples', 'release-gate.script.yaml')}`;
      const answer = await new ServiceClient(service.url, token).post<{ runId: string }>('/v1/runs', {
        prompt: 'Ship it',
        llm,
      });
      expect(answer.status, JSON.stringify(answer.body)).toBe(201);
      const { runId } = answer.body;
      await waitFor('the approval gate', async () =>
        (await store.listNodes(runId)).some((node) => node.status === 'awaiting_approval'),
      );
      await service.close(0);
      const stored = (await store.getRun(runId))!.trace!;
      const first = exporter.getFinishedSpans();
      const runSpan = first.find((span) => span.name === 'arbor.run')!;
      expect(runSpan.spanContext().spanId).toBe(stored.spanId);
      expect(first.some((span) => span.kind === SpanKind.CLIENT)).toBe(true);
      exporter.reset();

      // The next server resumes the run: its drive hangs under the run's span.
      service = await serve(options);
      const client = new ServiceClient(service.url, token);
      if (!service.resumed.includes(runId))
        expect((await client.post(`/v1/runs/${runId}/resume`)).status).toBe(200);
      await waitFor('the gate again', async () =>
        (await store.listNodes(runId)).some((node) => node.status === 'awaiting_approval'),
      );
      await service.close(0);
      const drive = exporter.getFinishedSpans().find((span) => span.name === 'arbor.resume')!;
      expect(drive.spanContext().traceId).toBe(stored.traceId);
      expect(drive.parentSpanContext?.spanId).toBe(stored.spanId);
    } finally {
      await service.close(0).catch(() => undefined);
      await store.close();
    }
  });
});
