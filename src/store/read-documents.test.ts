import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../domain/index.js';
import { parseEvent, parseModelCall, parseNode, parseNodePatch, parseRun } from './read-documents.js';

const fixtures = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'documents');

async function fixture(name: string): Promise<unknown> {
  return JSON.parse(await readFile(join(fixtures, name), 'utf8'));
}

describe('read documents', () => {
  it('loads a stored v1 run', async () => {
    const run = parseRun(await fixture('run-v1.json'), 'run-v1.json');
    expect(run).toMatchObject({
      id: 'run-20250101-web-shop',
      status: 'awaiting_approval',
      limits: { maxCostUsd: 5 },
    });
  });

  it('loads a v1 run stored before traces were kept, and one that keeps its trace', async () => {
    const stored = (await fixture('run-v1.json')) as Record<string, unknown>;
    expect('trace' in stored).toBe(false);
    expect(parseRun(stored, 'old').trace).toBeUndefined();
    const trace = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' };
    expect(parseRun({ ...stored, trace }, 'new').trace).toEqual(trace);
    expect(() => parseRun({ ...stored, trace: { ...trace, spanId: 'nope' } }, 'bad')).toThrow(StoreError);
  });

  it('loads a stored v1 node with its approval, result and checks', async () => {
    const node = parseNode(await fixture('node-v1.json'), 'node-v1.json');
    expect(node).toMatchObject({
      id: '2.1',
      ancestors: ['0', '2'],
      approval: { decision: { action: 'approve' } },
    });
    expect(node.checks).toHaveLength(2);
  });

  it('loads a failed v1 node stored before errors named the limit behind them, and one that names it', async () => {
    const stored = (await fixture('node-v1.json')) as object;
    const before = parseNode({ ...stored, status: 'failed', error: { kind: 'dependency', message: 'subtask 2.1.1 failed' } }, 'old');
    expect(before.error).toEqual({ kind: 'dependency', message: 'subtask 2.1.1 failed' });
    const limit = { budget: 'maxDepth', message: 'the tree may not grow deeper than 2 levels (raise it with --max-depth)' };
    const after = parseNode({ ...stored, status: 'failed', error: { kind: 'budget', message: 'x', limit } }, 'new');
    expect(after.error?.limit).toEqual(limit);
  });

  it('loads a v1 node stored before --from-node without its redo field, and ones that carry it or cleared it', async () => {
    const stored = (await fixture('node-v1.json')) as object;
    expect(parseNode(stored, 'old').redo).toBeUndefined();
    const redo = { from: '1.2', reason: 'resumed from node 1.2 by ada' };
    expect(parseNode({ ...stored, status: 'pending', redo }, 'new').redo).toEqual(redo);
    expect(parseNode({ ...stored, redo: null }, 'cleared').redo).toBeNull();
  });

  it('loads v1 documents stored before written plans without plan fields, and ones that carry them', async () => {
    const run = parseRun(await fixture('run-v1.json'), 'run-v1.json');
    expect(run.plan).toBeUndefined();
    const stored = (await fixture('node-v1.json')) as object;
    const before = parseNode(stored, 'old');
    expect([before.step, before.fallbackId, before.fallbackFor, before.tries]).toEqual([undefined, undefined, undefined, undefined]);
    const step = { key: 'deploy', title: 'Deploy', when: { status: { step: 'tests', is: 'completed' } }, retry: { attempts: 2 } };
    const after = parseNode({ ...stored, step, fallbackId: '2.2', tries: 2 }, 'new');
    expect(after.step).toMatchObject({ ...step, plan: 'manual', dependsOn: [], retry: { attempts: 2, backoff: 'fixed', delayMs: 1000 } });
    expect(after).toMatchObject({ fallbackId: '2.2', tries: 2 });
    const planned = parseRun({ ...run, plan: { name: 'p', version: '1', source: null, params: { env: 'prod' } } }, 'new');
    expect(planned.plan?.params).toEqual({ env: 'prod' });
  });

  it('loads a stored v1 event', async () => {
    expect(parseEvent(await fixture('event-v1.json'), 'event-v1.json')).toMatchObject({
      type: 'decide',
      to: 'ready',
    });
  });

  it('loads a model call stored before provider, model and retries were kept', async () => {
    const call = parseModelCall(await fixture('call-v1.json'), 'call-v1.json');
    expect(call).toMatchObject({ nodeId: '2.1', role: 'executor', attempt: 2 });
    expect(call.provider).toBeUndefined();
    expect(call.retries).toBeUndefined();
  });

  it('names the source and the field of an invalid document', async () => {
    const node = { ...((await fixture('node-v1.json')) as object), status: 'sleeping' };
    expect(() => parseNode(node, 'journal.jsonl line 4')).toThrow(StoreError);
    expect(() => parseNode(node, 'journal.jsonl line 4')).toThrow(/journal\.jsonl line 4.*status/s);
  });

  it('refuses a document written by a newer Arbor and says to upgrade', async () => {
    const run = { ...((await fixture('run-v1.json')) as object), schemaVersion: 2 };
    expect(() => parseRun(run, 'run.json')).toThrow(/schemaVersion 2, newer than this Arbor understands/);
  });

  it('refuses a document without a schema version', () => {
    expect(() => parseEvent({ runId: 'r' }, 'events')).toThrow(/no valid schemaVersion/);
    expect(() => parseEvent('text', 'events')).toThrow(/not a stored event \(found a string\)/);
  });

  it('drops identity fields from a node update', () => {
    expect(parseNodePatch({ id: 'other', depth: 3, status: 'ready', version: 2 }, 'update')).toEqual({
      status: 'ready',
      version: 2,
    });
  });
});
