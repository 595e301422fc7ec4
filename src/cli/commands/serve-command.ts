import type { Command } from 'commander';
import { openStore } from '../../store/index.js';
import { serve } from '../../service/index.js';
import { print, type CommonFlags } from '../command-context.js';
import { nonNegativeInteger, positiveInteger } from '../parse-options.js';

interface ServeFlags extends CommonFlags {
  host: string;
  port: number;
  concurrency?: number;
  llm?: string;
  cors?: string;
  bodyLimit?: number;
  graceMs: number;
}

/**
 * `arbor serve`: drives runs in one long-running process and serves them over HTTP (README "Arbor
 * as a service"). SIGTERM or SIGINT: no new work, calls in flight finish or are stored as
 * interrupted, exit 0; the next `arbor serve` takes the runs up again.
 */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve runs over HTTP: REST under /v1, a live event stream, approvals (README "Arbor as a service")')
    .option('--host <host>', 'interface to listen on; other than loopback needs ARBOR_TOKEN', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: a free one)', nonNegativeInteger, 7070)
    .option('-c, --concurrency <n>', "a run's LLM calls in flight at once, when its request sets none (default 8)", positiveInteger)
    .option('--llm <spec>', 'model of runs whose request names none (default: ARBOR_LLM)')
    .option('--cors <origin>', 'let pages from this origin call the API (default: none)')
    .option('--body-limit <bytes>', 'largest request body (default 1048576)', positiveInteger)
    .option('--grace-ms <ms>', 'on SIGTERM: how long calls in flight may finish (default 10000)', nonNegativeInteger, 10_000)
    .action(async (flags: ServeFlags) => {
      const store = await openStore(flags.store);
      try {
        const service = await serve({
          store,
          host: flags.host,
          port: flags.port,
          defaultLimits: flags.concurrency === undefined ? {} : { concurrency: flags.concurrency },
          defaultLlm: flags.llm,
          corsOrigin: flags.cors ?? null,
          bodyLimit: flags.bodyLimit,
          log: (line) => print(line),
        });
        print(`Arbor serving on ${service.url} (${store.kind} store at ${store.location})`);
        print(`dashboard: ${service.url}/ (sign in with the token)`);
        const { token } = service;
        if (token.source === 'env') print('token: ARBOR_TOKEN');
        else if (token.created && token.file) print(`token: ${token.token} (stored in ${token.file}, mode 0600)`);
        else if (token.file) print(`token: in ${token.file}`);
        else print(`token: ${token.token} (for this process only; set ARBOR_TOKEN to keep one)`);
        if (service.resumed.length > 0) print(`resumed ${service.resumed.length} run(s): ${service.resumed.join(', ')}`);
        const signal = await new Promise<NodeJS.Signals>((resolve) => {
          process.once('SIGTERM', resolve);
          process.once('SIGINT', resolve);
        });
        print(`received ${signal}: stopping (runs continue on the next arbor serve)`);
        await service.close(flags.graceMs);
        print('stopped');
      } finally {
        await store.close();
      }
    });
}
