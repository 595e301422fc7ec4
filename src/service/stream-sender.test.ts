import { describe, expect, it } from 'vitest';
import type { NodeEvent } from '../domain/index.js';
import { StreamSender, streamCloseCodes, type StreamSocket } from './stream-sender.js';

/** A socket that keeps what is sent, and whose unsent backlog the test sets. */
class RecordingSocket implements StreamSocket {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  readonly sent: Array<{ kind: string; seq?: number }> = [];
  closedWith: { code: number; reason: string } | null = null;

  send(data: string): void {
    this.sent.push(JSON.parse(data) as { kind: string; seq?: number });
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
  Array.from({ length: to - from + 1 }, (_, index) => ({ seq: from + index, event: event(String(from + index)) }));

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
    expect(socket.closedWith).toEqual({ code: streamCloseCodes.tooSlow, reason: 'too slow: reconnect with after=2' });
  });

  it('sends nothing once the socket is closed', () => {
    const socket = new RecordingSocket();
    const sender = new StreamSender(socket, 1024, 0);
    socket.readyState = 3;
    sender.events(numbered(1, 3));
    expect(socket.sent).toEqual([]);
    expect(sender.sent).toBe(0);
  });
});
