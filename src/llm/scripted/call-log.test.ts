import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AgentRole } from '../../domain/index.js';
import type { ModelRequest } from '../model.js';
import { readCallLog } from './call-log.js';
import { parseScript } from './parse-script.js';
import { createScriptedModel } from './scripted-model.js';

let logPath: string;

beforeEach(() => {
  logPath = join(mkdtempSync(join(tmpdir(), 'arbor-call-log-')), 'calls.jsonl');
});

function request(role: AgentRole, nodeId: string, attempt: number, signal?: AbortSignal): ModelRequest {
  return {
    role,
    system: '',
    messages: [],
    schema: { name: role, zod: {} as never, jsonSchema: {} },
    temperature: null,
    maxOutputTokens: 100,
    cacheKey: 'run-7',
    subject: {
      run: { id: 'run-7', prompt: 'p' },
      node: {
        id: nodeId,
        title: `Task ${nodeId}`,
        description: '',
        depth: nodeId.split('.').length,
        key: 'k',
        parentId: '0',
      },
      attempt,
    },
    signal,
  };
}

describe('call log', () => {
  it('records one line per call with run, node, title, depth, role and attempt', async () => {
    const script = parseScript({
      defaults: { checker: { verdict: 'pass', feedback: '' } },
      rules: [{ role: 'executor', error: { status: 500 } }],
    });
    const model = createScriptedModel({
      script,
      callLog: logPath,
      now: () => new Date('2025-01-02T03:04:05Z'),
    });
    await model.generate(request('checker', '1', 1));
    await model.generate(request('checker', '2.1', 2));
    await expect(model.generate(request('executor', '1', 1))).rejects.toThrow();
    await expect(model.generate(request('planner', '1', 1))).rejects.toThrow(/no answer/);

    expect(readCallLog(logPath)).toEqual([
      {
        at: '2025-01-02T03:04:05.000Z',
        runId: 'run-7',
        nodeId: '1',
        title: 'Task 1',
        depth: 1,
        role: 'checker',
        attempt: 1,
      },
      {
        at: '2025-01-02T03:04:05.000Z',
        runId: 'run-7',
        nodeId: '2.1',
        title: 'Task 2.1',
        depth: 2,
        role: 'checker',
        attempt: 2,
      },
      {
        at: '2025-01-02T03:04:05.000Z',
        runId: 'run-7',
        nodeId: '1',
        title: 'Task 1',
        depth: 1,
        role: 'executor',
        attempt: 1,
      },
      {
        at: '2025-01-02T03:04:05.000Z',
        runId: 'run-7',
        nodeId: '1',
        title: 'Task 1',
        depth: 1,
        role: 'planner',
        attempt: 1,
      },
    ]);
  });

  it('writes the line when the call starts, before its answer arrives', async () => {
    const script = parseScript({
      rules: [{ role: 'checker', delayMs: 60_000, respond: { verdict: 'pass' } }],
    });
    const model = createScriptedModel({ script, callLog: logPath });
    const controller = new AbortController();
    const call = model.generate(request('checker', '3', 1, controller.signal));
    expect(readCallLog(logPath)).toHaveLength(1);
    controller.abort(new Error('stop'));
    await expect(call).rejects.toThrow('stop');
  });

  it('reads a missing log as empty and skips a line cut short by a crash', () => {
    expect(readCallLog(logPath)).toEqual([]);
    const line = { at: 'now', runId: 'r', nodeId: '0', title: 'Root', depth: 0, role: 'planner', attempt: 1 };
    appendFileSync(logPath, `${JSON.stringify(line)}\n{"at":"now","runId":"r","no`);
    expect(readCallLog(logPath)).toEqual([line]);
  });
});
