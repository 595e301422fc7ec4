import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { repoRoot } from './cli.js';

const serverDir = path.join(repoRoot, '.ci', 'mongo-server');
const libDir = path.join(serverDir, 'lib');

/**
 * True when this machine can start its own mongo-java-server (java and the jars that
 * `.ci/mongo-server/start.sh` installs); else prints why tests that need one are skipped.
 */
export function canStartTestServer(): boolean {
  const jars =
    existsSync(libDir) && readdirSync(libDir).some((name) => name.startsWith('mongo-java-server-'));
  const java = jars && spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0;
  if (!java)
    console.warn(
      'java or the mongo-java-server jars missing: tests that stop their own MongoDB server are skipped (run .ci/mongo-server/start.sh once)',
    );
  return java;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** A mongo-java-server of a test's own, apart from the shared one, so that the test may stop it. */
export interface OwnMongoServer {
  uri: string;
  port: number;
  process: ChildProcess;
  /** Kills the server (in memory: its data is gone) and waits until it has exited. */
  kill(): Promise<void>;
}

/**
 * Starts `.ci/mongo-server/Launcher.java` on a free port and waits until it answers a ping. The
 * caller must `kill()` it (also when the test fails): it is not the shared server of `start.sh`.
 */
export async function startOwnMongoServer(timeoutMs = 60_000): Promise<OwnMongoServer> {
  const port = await freePort();
  const child = spawn('java', ['-cp', `${libDir}/*`, path.join(serverDir, 'Launcher.java'), String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  const exited = once(child, 'exit');
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await exited;
  };
  const uri = `mongodb://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`the MongoDB test server exited (${child.exitCode}):\n${log}`);
    if (await answersPing(uri)) return { uri, port, process: child, kill };
    if (Date.now() > deadline) {
      await kill();
      throw new Error(
        `the MongoDB test server on port ${port} did not answer within ${timeoutMs} ms:\n${log}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function answersPing(uri: string): Promise<boolean> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 500, connectTimeoutMS: 500 });
  try {
    await client.db('admin').command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await client.close();
  }
}

/**
 * A TCP proxy on its own port in front of a server: `cut()` drops every connection and refuses new
 * ones, as a network outage would, while the server behind keeps its data; `restore()` ends it.
 */
export interface OutageProxy {
  port: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** Starts an {@link OutageProxy} to `127.0.0.1:targetPort`. */
export async function startOutageProxy(targetPort: number): Promise<OutageProxy> {
  const port = await freePort();
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    track(client);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  const listen = async () => {
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
  };
  const stop = async () => {
    if (!server.listening) return;
    const closed = once(server, 'close');
    server.close();
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  await listen();
  return { port, cut: stop, restore: listen, close: stop };
}
