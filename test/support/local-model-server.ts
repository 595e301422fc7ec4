import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a {@link LocalModelServer} got: method, path, headers and the parsed JSON body. */
export interface LocalRequest {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** A real HTTP server on 127.0.0.1 that answers model calls as a vendor (or a gateway) would. */
export interface LocalModelServer {
  /** `http://127.0.0.1:PORT`. */
  origin: string;
  close(): Promise<void>;
}

/**
 * Starts a server on a free loopback port; `answer` gives the status and JSON body for each request.
 * The provider suites use it to run the CLI over a real socket, without msw.
 */
export async function startLocalModelServer(
  answer: (request: LocalRequest) => { status: number; body: unknown },
): Promise<LocalModelServer> {
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const { status, body } = answer({
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>,
      });
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * What each role answers for a run whose root plans `titles` as independent tasks that complete
 * and pass their checks, by the answer's schema (or tool) name; null for any other name.
 */
export function flatPlanAnswer(titles: readonly string[], answerName: string): unknown {
  const keys = titles.map((_, index) => `t${index + 1}`);
  switch (answerName) {
    case 'planner_answer':
      return {
        tasks: titles.map((title, index) => ({
          key: keys[index],
          title,
          description: `Deliver: ${title}`,
          dependsOn: [],
          notes: [],
          requiresApproval: false,
          approvalReason: null,
        })),
      };
    case 'sequencer_answer':
      return { groups: [keys], dependsOn: [], integration: [], rationale: 'independent' };
    case 'executor_answer':
      return { action: 'complete', reason: null, result: { summary: 'done', output: 'ok', artifacts: [] } };
    case 'checker_answer':
      return { verdict: 'pass', feedback: 'ok' };
    default:
      return null;
  }
}
