import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { storeArgument } from './command-context.js';
import { createLogger } from './logger.js';
import { redactSecrets } from './redact-secrets.js';

describe('logger', () => {
  it('hides passwords in URIs and secret-named fields, and keeps token counts', () => {
    expect(
      redactSecrets({
        store: 'mongodb://arbor:s3cret@db.example:27017/arbor',
        apiKey: 'sk-live-123',
        headers: { authorization: 'Bearer sk-live-123' },
        usage: { inputTokens: 12 },
      }),
    ).toEqual({
      store: 'mongodb://arbor:***@db.example:27017/arbor',
      apiKey: '***',
      headers: { authorization: '***' },
      usage: { inputTokens: 12 },
    });
  });

  it('writes one JSON line per entry to the run log, without secrets', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'arbor-log-'));
    const logger = createLogger({ verbose: false, logDir: dir, runId: 'r-1' });
    logger.info('node-transition', { nodeId: '1', apiKey: 'sk-live-123', uri: 'mongodb://u:pw@h/db' });
    await new Promise<void>((resolve) => {
      logger.on('finish', resolve);
      logger.end();
    });
    const text = await readFile(path.join(dir, 'r-1.jsonl'), 'utf8');
    const entry = JSON.parse(text.trim().split('\n')[0]!) as Record<string, unknown>;
    expect(entry).toMatchObject({ level: 'info', message: 'node-transition', nodeId: '1', apiKey: '***', uri: 'mongodb://u:***@h/db' });
    expect(text).not.toContain('sk-live-123');
    await rm(dir, { recursive: true, force: true });
  });
});

describe('storeArgument', () => {
  it('names a non-default store in suggested commands with its password hidden', () => {
    expect(storeArgument({ store: 'mongodb://arbor:s3cret@db:27017/arbor' })).toBe('--store mongodb://arbor:***@db:27017/arbor');
    expect(storeArgument({})).toBe('');
  });
});
