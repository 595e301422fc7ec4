import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';

/** One POST the receiver got. */
export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
}

/** How the receiver answers a request: a status (with headers), or `hang` (never answer). */
export type ReceiverAnswer = number | { status: number; headers: Record<string, string> } | 'hang';

/** A local `node:http` webhook receiver for tests. */
export interface WebhookReceiver {
  url: string;
  /** Requests in the order they arrived (bodies complete). */
  received: ReceivedWebhook[];
  /** Decides each answer; may be replaced mid-test. */
  answer: (request: ReceivedWebhook, index: number) => ReceiverAnswer;
  /** Resolves once `count` requests have arrived. */
  waitForRequests(count: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts a receiver on 127.0.0.1 (closed when the test ends, hanging requests and all). */
export async function startWebhookReceiver(
  answer: WebhookReceiver['answer'] = () => 200,
): Promise<WebhookReceiver> {
  const waiters: { count: number; resolve: () => void }[] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const received = { headers: request.headers, body: Buffer.concat(chunks).toString('utf8') };
      receiver.received.push(received);
      for (const waiter of waiters.filter((w) => receiver.received.length >= w.count)) waiter.resolve();
      const answer = receiver.answer(received, receiver.received.length - 1);
      if (answer === 'hang') return void hanging.add(response);
      const { status, headers } = typeof answer === 'number' ? { status: answer, headers: {} } : answer;
      response.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(String(status));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  let closed = false;
  const receiver: WebhookReceiver = {
    url: `http://127.0.0.1:${port}/hooks/arbor`,
    received: [],
    answer,
    waitForRequests: (count) =>
      receiver.received.length >= count
        ? Promise.resolve()
        : new Promise((resolve) => waiters.push({ count, resolve })),
    async close() {
      if (closed) return;
      closed = true;
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
  onTestFinished(() => receiver.close());
  return receiver;
}
