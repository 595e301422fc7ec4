import { describe, expect, it } from 'vitest';
import { badJsonDetail, parseJsonBody } from './json-body.js';
import type { RequestError } from './request-error.js';

function refusal(body: string): RequestError {
  try {
    parseJsonBody(body);
  } catch (error) {
    return error as RequestError;
  }
  throw new Error(`parsed ${body}`);
}

describe('parseJsonBody', () => {
  it('parses JSON, and refuses a body that is not, saying where it broke', () => {
    expect(parseJsonBody('{"prompt": "x", "notes": []}')).toEqual({ prompt: 'x', notes: [] });
    const broken = refusal('{"prompt": "x",\n "limits": {"maxDepth": 2,}}');
    expect(broken).toMatchObject({ status: 400, title: 'bad-json', hint: 'send a JSON object with Content-Type: application/json' });
    expect(broken.message).toBe(
      'the body is not valid JSON: expected double-quoted property name at line 2, column 27 (near `{"maxDepth": 2,}}`)',
    );
    expect(refusal('{"prompt": ').message).toBe('the body is not valid JSON: it ends before the JSON does');
    expect(refusal('').message).toBe('the body is empty, but Content-Type says JSON');
  });

  it('refuses the keys that would poison prototypes, as Fastify does', () => {
    expect(refusal('{"__proto__": {"x": 1}}').message).toMatch(/"__proto__" or "constructor.prototype" key/);
    expect(refusal('{"constructor": {"prototype": {"x": 1}}}').message).toMatch(/which this server refuses$/);
    expect(parseJsonBody('{"constructor": "fine"}')).toEqual({ constructor: 'fine' });
  });

  it("words the messages of every Node version's JSON.parse", () => {
    // Node 20 names an unexpected token without its position.
    expect(badJsonDetail('{"a":}', `Unexpected token '}', "{"a":}" is not valid JSON`)).toBe('the body is not valid JSON: unexpected "}"');
    // Node 22 adds the line and column after the position.
    expect(badJsonDetail('[1,2', "Expected ',' or ']' after array element in JSON at position 4 (line 1 column 5)")).toBe(
      `the body is not valid JSON: expected ',' or ']' after array element at line 1, column 5 (near \`[1,2\`)`,
    );
    expect(badJsonDetail('x', 'something else')).toBe('the body is not valid JSON');
  });
});
