import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import type { NodeEvent } from '../domain/index.js';
import { corkable, StreamSender, streamCloseCodes, type StreamSocket } from './stream-sender.js';

/** A socket that keeps what is sent, and whose unsent backlog the test sets. */
class RecordingSocket implements StreamSocket {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  readonly sent: Array<{ kind: string; seq?: number }> = [];
  closedWith: { code: number; reason: string } | null = null;
  /** What happened, in order: "cork", "uncork", or the seq (or kind) of a message sent. */
  readonly log: Array<string | number> = [];

  send(data: string): void {
    const message = JSON.parse(data) as { kind: string; seq?: number };
    this.sent.push(message);
    this.log.push(message.seq ?? message.kind);
  }

  cork(): void {
    this.log.push('cork');
  }

  uncork(): void {
    this.log.push('uncork');
  }

  close(code: number, reason: string): void {
    this.closedWith = { code, reason };
    this.readyState = 3;
  }
}

const event = (nodeId: string): NodeEvent => ({
  schemaVersion: 1,
  runId: 'r-1',
  nodeId,
  type: 'start',
  from: 'ready',
  to: 'running',
  actor: 'test',
  reason: null,
  at: '2026-12-04T00:00:00.000Z',
});
const numbered = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, index) => ({
    seq: from + index,
    event: event(String(from + index)),
  }));

describe('StreamSender', () => {
  it('sends each event once and in order, from after the seq the client gave', () => {
    const socket = new RecordingSocket();
    const sender = new StreamSender(socket, 1024, 2);
    sender.events(numbered(1, 4));
    sender.events(numbered(3, 6));
    expect(socket.sent.map((message) => message.seq)).toEqual([3, 4, 5, 6]);
    expect(sender.sent).toBe(6);
  });

  it('closes a client that lets its backlog pass the limit, saying where to reconnect', () => {
    const socket = new RecordingSocket();
    const sender = new StreamSender(socket, 1024, 0);
    sender.events(numbered(1, 2));
    socket.bufferedAmount = 2048;
    sender.events(numbered(3, 10));
    sender.status('completed');
    expect(socket.sent.map((message) => message.seq)).toEqual([1, 2]);
    expect(socket.closedWith).toEqual({
      code: streamCloseCodes.tooSlow,
      reason: 'too slow: reconnect with after=2',
    });
  });

  it('sends nothing once the socket is closed', () => {
    const socket = new RecordingSocket();
    const sender = new StreamSender(socket, 1024, 0);
    socket.readyState = 3;
    sender.events(numbered(1, 3));
    expect(socket.sent).toEqual([]);
    expect(sender.sent).toBe(0);
  });

  it('sends a batch of events corked, so that they go out in one write', () => {
    const socket = new RecordingSocket();
    const sender = new StreamSender(socket, 1024, 1);
    sender.events(numbered(1, 3));
    sender.status('running');
    expect(socket.log).toEqual(['cork', 2, 3, 'uncork', 'run']);
  });

  it('uncorks a batch it stops because the client is too slow', () => {
    const socket = new RecordingSocket();
    const sender = new StreamSender(socket, 1024, 0);
    socket.bufferedAmount = 2048;
    sender.events(numbered(1, 2));
    expect(socket.log).toEqual(['cork', 'uncork']);
    expect(socket.closedWith?.code).toBe(streamCloseCodes.tooSlow);
  });
});

describe('corkable', () => {
  it('corks the network socket under a ws WebSocket, and a batch arrives whole', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', resolve));
    try {
      const accepted = new Promise<WebSocket>((resolve) => server.once('connection', resolve));
      const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
      const received: number[] = [];
      const allReceived = new Promise<void>((resolve) =>
        client.on('message', (data: Buffer) => {
          received.push((JSON.parse(data.toString()) as { seq: number }).seq);
          if (received.length === 3) resolve();
        }),
      );
      const socket = await accepted;
      const net = (socket as unknown as { _socket: { writableCorked: number } })._socket;
      const wrapped = corkable(socket);
      wrapped.cork?.();
      // ws's own cork and uncork for each frame nest inside this one: nothing is written yet.
      expect(net.writableCorked).toBe(1);
      new StreamSender(wrapped, 1024, 0).events(numbered(1, 3));
      expect(net.writableCorked).toBe(1);
      wrapped.uncork?.();
      expect(net.writableCorked).toBe(0);
      await allReceived;
      expect(received).toEqual([1, 2, 3]);
      client.close();
    } finally {
      for (const client of server.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
