import type { Command } from 'commander';
import { z } from 'zod';
import { readYamlFile } from '../../agents/index.js';
import { openStore } from '../../store/index.js';
import { print, type CommonFlags } from '../command-context.js';
import { startCliTracing } from '../cli-tracing.js';
import { nonNegativeInteger, positiveInteger } from '../parse-options.js';
import { traceContentOption } from './shared-options.js';

interface ServeFlags extends CommonFlags {
  host?: string;
  port?: number;
  webhook?: string[];
  config?: string;
  concurrency?: number;
  llm?: string;
  cors?: string;
  bodyLimit?: number;
  graceMs: number;
  traceContent?: boolean;
  schedules: boolean;
}

/** `arbor serve --config FILE`: the flags' settings, in YAML; a flag given as well wins. */
const serveConfigSchema = z
  .object({
    host: z.string().min(1).optional(),
    port: z.number().int().min(0).max(65_535).optional(),
    concurrency: z.number().int().positive().optional(),
    llm: z.string().min(1).optional(),
    cors: z.string().min(1).optional(),
    webhooks: z.array(z.url()).optional(),
  })
  .strict();

/**
 * `arbor serve`: drives runs in one long-running process and serves them over HTTP (README "Arbor
 * as a service"). SIGTERM or SIGINT: no new work, calls in flight finish or are stored as
 * interrupted, exit 0; the next `arbor serve` takes the runs up again.
 */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve runs over HTTP: REST under /v1, a live event stream, approvals (README "Arbor as a service")')
    .option('--host <host>', 'interface to listen on; other than loopback needs ARBOR_TOKEN (default 127.0.0.1)')
    .option('--port <port>', 'port to listen on, 0 for a free one (default 7070)', nonNegativeInteger)
    .option('-c, --concurrency <n>', "a run's LLM calls in flight at once, when its request sets none (default 8)", positiveInteger)
    .option('--llm <spec>', 'model of runs whose request names none (default: ARBOR_LLM)')
    .option('--cors <origin>', 'let pages from this origin call the API (default: none)')
    .option('--body-limit <bytes>', 'largest request body (default 1048576)', positiveInteger)
    .option('--webhook <url>', 'POST signed run and node events here (repeatable; needs ARBOR_WEBHOOK_SECRET)', (url: string, urls: string[] = []) => [...urls, url])
    .option('--config <file>', 'YAML with host, port, concurrency, llm, cors and webhooks (flags win)')
    .option('--grace-ms <ms>', 'on SIGTERM: how long calls in flight may finish', nonNegativeInteger, 10_000)
    .option(...traceContentOption)
    .option('--no-schedules', 'fire no schedules (arbor schedule) from this server')
    .action(async (flags: ServeFlags) => {
      const config = flags.config
        ? await readYamlFile(flags.config, serveConfigSchema, {
            what: 'config file',
            required: true,
            readHint: 'pass --config FILE naming a readable YAML file',
            fieldsHint: 'the fields are host, port, concurrency, llm, cors and webhooks (a list of URLs)',
          })
        : {};
      const concurrency = flags.concurrency ?? config.concurrency;
      const webhooks = [...(config.webhooks ?? []), ...(flags.webhook ?? [])];
      const store = await openStore(flags.store);
      const tracing = await startCliTracing({ content: flags.traceContent });
      try {
        // The service (Fastify and its plugins) is loaded only by this command.
        const { serve } = await import('../../service/index.js');
        const service = await serve({
          trace: tracing.trace,
          store,
          host: flags.host ?? config.host,
          port: flags.port ?? config.port,
          defaultLimits: concurrency === undefined ? {} : { concurrency },
          defaultLlm: flags.llm ?? config.llm,
          corsOrigin: flags.cors ?? config.cors ?? null,
          webhooks,
          bodyLimit: flags.bodyLimit,
          log: (line) => print(line),
          ...(flags.schedules ? {} : { schedules: false as const }),
        });
        print(`Arbor serving on ${service.url} (${store.kind} store at ${store.location})`);
        print(`dashboard: ${service.url}/ (sign in with the token)`);
        const { token } = service;
        if (token.source === 'env') print('token: ARBOR_TOKEN');
        else if (token.created && token.file) print(`token: ${token.token} (stored in ${token.file}, mode 0600)`);
        else if (token.file) print(`token: in ${token.file}`);
        else print(`token: ${token.token} (for this process only; set ARBOR_TOKEN to keep one)`);
        if (webhooks.length > 0) print(`webhooks: ${webhooks.length} URL(s), deliveries listed by: arbor webhooks RUN`);
        if (service.resumed.length > 0) print(`resumed ${service.resumed.length} run(s): ${service.resumed.join(', ')}`);
        const signal = await new Promise<NodeJS.Signals>((resolve) => {
          process.once('SIGTERM', resolve);
          process.once('SIGINT', resolve);
        });
        print(`received ${signal}: stopping (runs continue on the next arbor serve)`);
        await service.close(flags.graceMs);
        print('stopped');
      } finally {
        await tracing.shutdown();
        await store.close();
      }
    });
}
