import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../domain/index.js';
import type { Store } from '../store/index.js';

/** The bearer token the service checks, and where it came from (for the start-up line). */
export interface ServiceToken {
  token: string;
  /** `env`: ARBOR_TOKEN; `file`: read from or written to `file`; `generated`: made for this process only. */
  source: 'env' | 'file' | 'generated';
  file?: string;
  /** True when the token was made by this start (so it is printed, once). */
  created: boolean;
}

/**
 * The service's token: `ARBOR_TOKEN`, else (embedded store) the one kept in `service-token` under the
 * store's folder with mode 0600, made at first start; else (MongoDB) one made for this process.
 */
export function resolveServiceToken(store: Pick<Store, 'kind' | 'location'>, env: NodeJS.ProcessEnv): ServiceToken {
  const token = chooseServiceToken(store, env);
  keepServiceToken(token);
  return token;
}

/**
 * {@link resolveServiceToken} without writing: a token made now (`created`, with a `file`) is only
 * kept by {@link keepServiceToken}, so a start refused later (a taken port) leaves nothing behind.
 */
export function chooseServiceToken(store: Pick<Store, 'kind' | 'location'>, env: NodeJS.ProcessEnv): ServiceToken {
  const fromEnv = env.ARBOR_TOKEN?.trim();
  if (fromEnv !== undefined && fromEnv !== '') {
    if (fromEnv.length < 16)
      throw new UsageError('ARBOR_TOKEN is too short to protect the service (fewer than 16 characters)', {
        hint: 'use a long random token, e.g. ARBOR_TOKEN=$(openssl rand -hex 32)',
      });
    return { token: fromEnv, source: 'env', created: false };
  }
  if (store.kind !== 'embedded') return { token: newToken(), source: 'generated', created: true };
  const file = path.join(store.location, 'service-token');
  try {
    const token = readFileSync(file, 'utf8').trim();
    if (token !== '') return { token, source: 'file', file, created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return { token: newToken(), source: 'file', file, created: true };
}

/** Writes a token {@link chooseServiceToken} made to its file (mode 0600); nothing for any other. */
export function keepServiceToken(token: ServiceToken): void {
  if (!token.created || token.file === undefined) return;
  mkdirSync(path.dirname(token.file), { recursive: true });
  writeFileSync(token.file, `${token.token}\n`, { mode: 0o600 });
  chmodSync(token.file, 0o600);
}

/** Compares a presented token with the service's in constant time (hashes first: equal lengths). */
export function tokenMatches(presented: string, token: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(presented), digest(token));
}

function newToken(): string {
  return randomBytes(32).toString('base64url');
}
