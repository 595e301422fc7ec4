import WebSocket from 'ws';

/** An answer of the service: status, headers and the parsed JSON body. */
export interface ServiceAnswer<Body = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: Body;
}

/** A client of a running `arbor serve`, as another program would use it: fetch and a WebSocket. */
export class ServiceClient {
  constructor(
    readonly url: string,
    readonly token: string | null,
  ) {}

  /** Sends a request; `body` is sent as JSON unless it is a string (sent as is). */
  async request<Body = Record<string, unknown>>(
    method: 'GET' | 'POST',
    path: string,
    options: { body?: unknown; token?: string | null; contentType?: string } = {},
  ): Promise<ServiceAnswer<Body>> {
    const token = options.token === undefined ? this.token : options.token;
    const headers: Record<string, string> = {};
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: (text === '' ? {} : JSON.parse(text)) as Body };
  }

  get<Body = Record<string, unknown>>(path: string): Promise<ServiceAnswer<Body>> {
    return this.request<Body>('GET', path);
  }

  post<Body = Record<string, unknown>>(path: string, body: unknown = {}): Promise<ServiceAnswer<Body>> {
    return this.request<Body>('POST', path, { body });
  }

  /** Opens the run's event stream after `after`; messages are collected in order. */
  stream(runId: string, after = 0): EventStream {
    return new EventStream(`${this.url.replace(/^http/, 'ws')}/v1/runs/${runId}/events/stream?after=${after}`, this.token);
  }
}

/** A message of the event stream. */
export type StreamMessage =
  | { kind: 'event'; seq: number; event: { nodeId: string; type: string; from: string | null; to: string; at: string } }
  | { kind: 'run'; status: string };

/** An open event stream and what it has received. */
export class EventStream {
  readonly messages: StreamMessage[] = [];
  readonly socket: WebSocket;
  readonly closed: Promise<{ code: number; reason: string }>;
  #waiters: Array<() => void> = [];

  constructor(url: string, token: string | null) {
    this.socket = new WebSocket(url, token === null ? {} : { headers: { authorization: `Bearer ${token}` } });
    this.socket.on('message', (data: Buffer) => {
      this.messages.push(JSON.parse(data.toString('utf8')) as StreamMessage);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => {
      this.socket.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString('utf8') });
        for (const wake of this.#waiters.splice(0)) wake();
      });
      this.socket.on('error', () => undefined);
    });
  }

  /** The events received so far. */
  get events(): Array<Extract<StreamMessage, { kind: 'event' }>> {
    return this.messages.filter((message): message is Extract<StreamMessage, { kind: 'event' }> => message.kind === 'event');
  }

  /** Waits until `condition` holds of what was received (or fails after `timeoutMs`). */
  async until(what: string, condition: (stream: EventStream) => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition(this)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; received ${this.messages.length} messages`);
      if (this.socket.readyState === WebSocket.CLOSED) throw new Error(`the stream closed before ${what}`);
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  close(): Promise<{ code: number; reason: string }> {
    this.socket.close();
    return this.closed;
  }
}
