import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { flattenTree, makeTempDir, readTree, runCli, runIdFrom } from '../support/cli.js';
import { flatPlanAnswer, startLocalModelServer, type LocalModelServer } from '../support/local-model-server.js';

// The CLI as a child process against a real OpenAI-compatible server on 127.0.0.1 (as Ollama, vLLM
// or LiteLLM would be). No msw in this file: the requests go over a real socket.

const apiKey = 'test-key';
const titles = ['Parse arguments', 'Read config', 'Print help', 'Write tests', 'Package it', 'Document it'];
/** planner + sequencer + an executor and a checker per task: more than ten calls on one run. */
const expectedRequests = 2 + 2 * titles.length;

interface Received {
  url: string;
  authorization: string | undefined;
  schemaName: string;
  model: string;
}

const received: Received[] = [];
let server: LocalModelServer;
let baseURL: string;

beforeAll(async () => {
  server = await startLocalModelServer((request) => {
    if (request.method !== 'POST' || request.url !== '/v1/chat/completions')
      return { status: 404, body: { error: { message: `no route ${request.method} ${request.url}` } } };
    const body = request.body as { model: string; response_format?: { json_schema?: { name?: string } } };
    const schemaName = body.response_format?.json_schema?.name ?? '';
    received.push({
      url: request.url,
      authorization: request.headers.authorization,
      schemaName,
      model: body.model,
    });
    const answer = flatPlanAnswer(titles, schemaName);
    if (answer === null) return { status: 400, body: { error: { message: `unexpected schema "${schemaName}"` } } };
    return {
      status: 200,
      body: {
        id: `chatcmpl-${received.length}`,
        object: 'chat.completion',
        created: 1_763_700_000,
        model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content: JSON.stringify(answer) }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 300, completion_tokens: 40, total_tokens: 340 },
      },
    };
  });
  baseURL = `${server.origin}/v1`;
});

afterEach(() => {
  received.length = 0;
});

afterAll(() => server.close());

/** Every file under `dir`, recursively, with its text. */
async function filesUnder(dir: string): Promise<Array<{ file: string; text: string }>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return Promise.all(
    entries
      .filter((entry) => entry.isFile())
      .map(async (entry) => {
        const file = path.join(entry.parentPath, entry.name);
        return { file, text: await readFile(file, 'utf8') };
      }),
  );
}

describe('arbor run against a local OpenAI-compatible server', () => {
  it('completes the run over the socket, and the API key appears in no file, log or output', async () => {
    const tmp = await makeTempDir('arbor-compatible-');
    const store = path.join(tmp, 'store');
    const out = path.join(tmp, 'out');
    const env = { OPENAI_BASE_URL: baseURL, OPENAI_API_KEY: apiKey };
    const args = [
      'run',
      '--prompt',
      'Build a tiny CLI',
      '--llm',
      'openai:local-model',
      '--store',
      store,
      '--out',
      out,
    ];

    const result = await runCli(args, { cwd: tmp, env });

    // Nothing on stderr: in particular no MaxListenersExceededWarning after ten calls on one run.
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const runId = runIdFrom(result.stdout);
    const tree = await readTree(runId, { cwd: tmp, store });
    expect(tree.status).toBe('completed');
    expect(tree.root.children.map((child) => child.title)).toEqual(titles);
    expect(flattenTree(tree.root).every((node) => node.status === 'completed')).toBe(true);

    expect(received).toHaveLength(expectedRequests);
    const perSchema: Record<string, number> = {};
    for (const request of received) perSchema[request.schemaName] = (perSchema[request.schemaName] ?? 0) + 1;
    expect(perSchema).toEqual({
      planner_answer: 1,
      sequencer_answer: 1,
      executor_answer: titles.length,
      checker_answer: titles.length,
    });
    // The key was really used, on every request, and only in the Authorization header...
    expect(received.every((request) => request.authorization === `Bearer ${apiKey}`)).toBe(true);
    expect(received.every((request) => request.model === 'local-model')).toBe(true);
    // ...and written nowhere: not in the store, the run's log (beside the embedded store, or in
    // .arbor/logs), the output folder, stdout or stderr. Everything the run wrote is under tmp.
    const written = await filesUnder(tmp);
    expect(written.some(({ file }) => /[\\/]logs[\\/]r-[0-9a-z]+\.jsonl$/.test(file))).toBe(true);
    expect(written.some(({ file }) => file.startsWith(store))).toBe(true);
    expect(written.filter(({ text }) => text.includes(apiKey)).map(({ file }) => file)).toEqual([]);
    expect(result.stdout).not.toContain(apiKey);
    expect(result.stderr).not.toContain(apiKey);
  });

  it('exits 2 naming OPENAI_API_KEY when it is unset for the real OpenAI API, before any work', async () => {
    const tmp = await makeTempDir('arbor-compatible-');
    const store = path.join(tmp, 'store');
    const result = await runCli(
      ['run', '--prompt', 'Build a tiny CLI', '--llm', 'openai', '--store', store],
      {
        cwd: tmp,
      },
    );

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('OPENAI_API_KEY');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(received).toHaveLength(0);
  });

  it('exits 2 naming ANTHROPIC_API_KEY when --llm anthropic has no key', async () => {
    const tmp = await makeTempDir('arbor-compatible-');
    const store = path.join(tmp, 'store');
    const result = await runCli(
      ['run', '--prompt', 'Build a tiny CLI', '--llm', 'anthropic', '--store', store],
      {
        cwd: tmp,
        env: { OPENAI_API_KEY: apiKey },
      },
    );

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('ANTHROPIC_API_KEY');
    expect(result.stderr).not.toContain(apiKey);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
