import type { TraceOptions } from '../api/index.js';

/** Tracing as a command sets it up: the `trace` setting for the library API, and a flush for the end. */
export interface CliTracing {
  /** Unset when tracing is off. */
  trace: TraceOptions | undefined;
  /** Sends what is still buffered; never throws (an unreachable collector must not fail the command). */
  shutdown(): Promise<void>;
}

const shutdownGraceMs = 5_000;

const off: CliTracing = { trace: undefined, shutdown: () => Promise.resolve() };

/** True when the environment asks for traces: an OTLP endpoint is set, and the SDK is not disabled. */
export function tracingWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  if (env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}

/**
 * Starts OTLP tracing when the environment asks for it (README "Traces"); otherwise tracing is off
 * and free: the OpenTelemetry SDK is not even loaded. `content` is `--trace-content`. `env` decides
 * whether to trace; the SDK reads its settings from `process.env` itself.
 */
export async function startCliTracing(
  options: { content?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): Promise<CliTracing> {
  if (!tracingWanted(env)) return off;
  const { startOtlpTracing } = await import('./otlp-tracing.js');
  const otlp = startOtlpTracing();
  return {
    trace: { tracer: otlp.tracer, content: options.content ?? false },
    shutdown: () => {
      // A collector that does not answer gets a few seconds, not the exporter's whole timeout.
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, shutdownGraceMs).unref()));
      return Promise.race([otlp.shutdown().catch(() => undefined), late]).finally(() => clearTimeout(timer));
    },
  };
}
