import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { flattenTree, makeTempDir, readTree, runCli, runIdFrom } from '../support/cli.js';
import { flatPlanAnswer, startLocalModelServer, type LocalModelServer } from '../support/local-model-server.js';

// The CLI as a child process with ANTHROPIC_BASE_URL pointing at a real server on 127.0.0.1 that
// speaks the Anthropic Messages API (as LiteLLM, a company gateway or a local test server would).
// No msw in this file: the requests go over a real socket.

const apiKey = 'sk-ant-gateway-test';
const titles = ['Parse arguments', 'Print help', 'Write tests'];
/** planner + sequencer + an executor and a checker per task. */
const expectedRequests = 2 + 2 * titles.length;

interface Received {
  method: string | undefined;
  url: string | undefined;
  key: string | undefined;
  tool: string;
  model: string;
}

const received: Received[] = [];
let server: LocalModelServer;
let baseURL: string;

beforeAll(async () => {
  server = await startLocalModelServer((request) => {
    const body = request.body as { model?: string; tool_choice?: { name?: string } };
    const tool = body.tool_choice?.name ?? '';
    const authorization = request.headers.authorization;
    const key = request.headers['x-api-key'];
    received.push({
      method: request.method,
      url: request.url,
      key: typeof key === 'string' ? key : authorization?.replace(/^Bearer /, ''),
      tool,
      model: body.model ?? '',
    });
    if (request.method !== 'POST' || request.url !== '/v1/messages')
      return { status: 404, body: { type: 'error', error: { type: 'not_found_error', message: `no route ${request.url}` } } };
    const answer = flatPlanAnswer(titles, tool);
    if (answer === null)
      return { status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: `unexpected tool "${tool}"` } } };
    return {
      status: 200,
      body: {
        id: `msg_${received.length}`,
        type: 'message',
        role: 'assistant',
        model: body.model,
        content: [{ type: 'tool_use', id: `toolu_${received.length}`, name: tool, input: answer }],
        stop_reason: 'tool_use',
        stop_sequence: null,
        usage: { input_tokens: 300, output_tokens: 40 },
      },
    };
  });
  baseURL = server.origin;
});

afterEach(() => {
  received.length = 0;
});

afterAll(() => server.close());

describe('arbor run --llm anthropic with ANTHROPIC_BASE_URL', () => {
  it('sends every call to the server in ANTHROPIC_BASE_URL and completes the run', async () => {
    const tmp = await makeTempDir('arbor-anthropic-gateway-');
    const store = path.join(tmp, 'store');
    const env = { ANTHROPIC_BASE_URL: baseURL, ANTHROPIC_API_KEY: apiKey };
    const args = ['run', '--prompt', 'Build a tiny CLI', '--llm', 'anthropic:claude-haiku-4-5', '--store', store];

    const result = await runCli(args, { cwd: tmp, env });

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const runId = runIdFrom(result.stdout);
    const tree = await readTree(runId, { cwd: tmp, store });
    expect(tree.status).toBe('completed');
    expect(tree.root.children.map((child) => child.title)).toEqual(titles);
    expect(flattenTree(tree.root).every((node) => node.status === 'completed')).toBe(true);

    expect(received).toHaveLength(expectedRequests);
    expect(received.every((request) => request.method === 'POST' && request.url === '/v1/messages')).toBe(true);
    expect(received.every((request) => request.key === apiKey && request.model === 'claude-haiku-4-5')).toBe(true);
    const perTool: Record<string, number> = {};
    for (const request of received) perTool[request.tool] = (perTool[request.tool] ?? 0) + 1;
    expect(perTool).toEqual({
      planner_answer: 1,
      sequencer_answer: 1,
      executor_answer: titles.length,
      checker_answer: titles.length,
    });
    expect(result.stdout).not.toContain(apiKey);
  });
});
