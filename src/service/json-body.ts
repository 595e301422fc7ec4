import secureJson from 'secure-json-parse';
import { RequestError } from './request-error.js';

const fix = 'send a JSON object with Content-Type: application/json';

/**
 * Parses a request's JSON body as Fastify's own parser does (a `__proto__` key, or a
 * `constructor.prototype`, is refused), but a 400 says where the JSON broke: Fastify's parser drops
 * that.
 */
export function parseJsonBody(body: string): unknown {
  if (body.length === 0)
    throw new RequestError('the body is empty, but Content-Type says JSON', {
      status: 400,
      title: 'bad-json',
      hint: 'send a JSON object, e.g. {"prompt": "…"}',
    });
  try {
    return secureJson.parse(body, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    throw new RequestError(badJsonDetail(body, (error as Error).message), { status: 400, title: 'bad-json', hint: fix });
  }
}

/** `the body is not valid JSON: … at line 2, column 7 (near `…`)` from JSON.parse's message. */
export function badJsonDetail(body: string, message: string): string {
  const intro = 'the body is not valid JSON';
  if (/forbidden (prototype|constructor)/i.test(message))
    return 'the body has a "__proto__" or "constructor.prototype" key, which this server refuses';
  if (/end of JSON input/i.test(message)) return `${intro}: it ends before the JSON does`;
  // "Expected ',' or '}' after property value in JSON at position 12"
  const positioned = /^(.*?) in JSON at position (\d+)/.exec(message);
  if (positioned) {
    const position = Number(positioned[2]);
    const before = body.slice(0, position);
    const line = before.split('\n').length;
    const column = position - before.lastIndexOf('\n');
    const near = body.slice(Math.max(0, position - 15), position + 15).replace(/\s+/g, ' ');
    return `${intro}: ${lowerFirst(positioned[1]!)} at line ${line}, column ${column} (near \`${near}\`)`;
  }
  // Node 20 names an unexpected token without its position: "Unexpected token '}', "{"a":}" is not valid JSON"
  const token = /^Unexpected token '(.+?)'/.exec(message);
  if (token) return `${intro}: unexpected ${JSON.stringify(token[1])}`;
  return intro;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
