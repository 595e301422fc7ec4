import { describe, expect, it } from 'vitest';
import { reply, useLlmHttp } from './llm-http.js';

const llm = useLlmHttp();

describe('llm-http', () => {
  it('answers routes in order, repeating the last reply, and records parsed bodies', async () => {
    llm.route(
      'https://example.test/v1/x',
      reply.error(503, undefined, { 'retry-after': '1' }),
      reply.json({ ok: true }),
    );
    const post = (n: number) =>
      fetch('https://example.test/v1/x', { method: 'POST', body: JSON.stringify({ n }) });
    const first = await post(1);
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('1');
    expect(await (await post(2)).json()).toEqual({ ok: true });
    expect(await (await post(3)).json()).toEqual({ ok: true });
    expect(llm.requests.map((request) => request.body)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it('streams server-sent events', async () => {
    llm.route(
      'https://example.test/v1/stream',
      reply.sse([{ event: 'delta', data: { text: 'hi' } }, { data: '[DONE]' }]),
    );
    const response = await fetch('https://example.test/v1/stream', { method: 'POST' });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(await response.text()).toBe('event: delta\ndata: {"text":"hi"}\n\ndata: [DONE]\n\n');
  });
});
