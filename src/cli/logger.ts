import { mkdirSync } from 'node:fs';
import path from 'node:path';
import winston from 'winston';
import { isSecretKey, redactSecrets } from './redact-secrets.js';

const redact = winston.format((info) => {
  for (const key of Object.keys(info)) info[key] = isSecretKey(key) ? '***' : redactSecrets(info[key]);
  return info;
});

/** Where a run's JSON-lines log goes: beside the embedded store, or `.arbor/logs` for MongoDB. */
export function logDirFor(store: { kind: string; location: string }): string {
  return store.kind === 'embedded' ? path.join(store.location, 'logs') : path.join('.arbor', 'logs');
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  verbose: boolean;
  /** JSON lines for this run go to `<logDir>/<runId>.jsonl`. */
  logDir?: string;
  runId?: string;
}

/** A winston logger: quiet readable console (warnings unless `--verbose`), and a JSON-lines file per run. */
export function createLogger(options: LoggerOptions): winston.Logger {
  const transports: winston.transport[] = [
    new winston.transports.Console({
      level: options.verbose ? 'debug' : 'warn',
      stderrLevels: ['error', 'warn', 'info', 'debug'],
      format: winston.format.combine(
        winston.format.printf(({ level, message }) => `${level === 'info' || level === 'debug' ? '' : `${level}: `}${String(message)}`),
      ),
    }),
  ];
  if (options.logDir && options.runId) {
    mkdirSync(options.logDir, { recursive: true });
    transports.push(
      new winston.transports.File({
        filename: path.join(options.logDir, `${options.runId}.jsonl`),
        level: 'debug',
        format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
      }),
    );
  }
  return winston.createLogger({ format: redact(), transports });
}
