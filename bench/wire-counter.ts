import net from 'node:net';

/** Round trips and bytes between a client and a MongoDB server, counted on the wire. */
export interface WireCounts {
  /** Request messages the client sent (each one a round trip). */
  requests: number;
  bytesSent: number;
  bytesReceived: number;
}

/** A TCP proxy in front of a MongoDB server that counts what crosses it. */
export interface WireCounter {
  port: number;
  counts(): WireCounts;
  reset(): void;
  close(): Promise<void>;
}

/**
 * Starts a counting proxy on 127.0.0.1 to `targetPort`. Requests are counted by MongoDB wire
 * message: each message starts with its total length as a little-endian int32.
 */
export async function startWireCounter(targetPort: number): Promise<WireCounter> {
  let counts: WireCounts = { requests: 0, bytesSent: 0, bytesReceived: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let pending = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      counts.bytesSent += chunk.length;
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= pending.readInt32LE(0)) {
        counts.requests++;
        pending = pending.subarray(pending.readInt32LE(0));
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      counts.bytesReceived += chunk.length;
      client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    counts: () => ({ ...counts }),
    reset: () => {
      counts = { requests: 0, bytesSent: 0, bytesReceived: 0 };
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
