import { describe, expect, it } from 'vitest';
import { startCliTracing, tracingWanted } from './cli-tracing.js';

describe('CLI tracing', () => {
  it('is on only when an OTLP endpoint is set and the SDK is not disabled', () => {
    expect(tracingWanted({})).toBe(false);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: ' ' })).toBe(false);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe(true);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' })).toBe(
      true,
    );
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x', OTEL_SDK_DISABLED: 'true' })).toBe(false);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x', OTEL_TRACES_EXPORTER: 'none' })).toBe(
      false,
    );
  });

  it('gives the library no trace setting when off, and a tracer with the content flag when on', async () => {
    const off = await startCliTracing({ content: true }, {});
    expect(off.trace).toBeUndefined();
    await off.shutdown();
    const on = await startCliTracing(
      { content: true },
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' },
    );
    expect(on.trace?.content).toBe(true);
    expect(typeof on.trace?.tracer?.startSpan).toBe('function');
    await on.shutdown();
  });
});
