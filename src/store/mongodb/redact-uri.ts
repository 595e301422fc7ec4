import { parseMongoUri } from './parse-mongo-uri.js';

/** Query options whose values are secrets (passwords, cloud tokens, key file passphrases). */
const secretOption = /pass|secret|token|credential|authMechanismProperties/i;

/**
 * A MongoDB URI that is safe to print and log: the password and secret options become `***`; the
 * user, hosts and database stay so that messages can say where Arbor tried to connect (DESIGN §8).
 */
export function redactUri(uri: string): string {
  const parts = parseMongoUri(uri);
  if (!parts) return uri.replace(/\/\/[^@/]*@/, '//***@');
  const user =
    parts.username === null
      ? ''
      : `${encodeURIComponent(parts.username)}${parts.password === null ? '' : ':***'}@`;
  const database = parts.database === null ? '' : `/${encodeURIComponent(parts.database)}`;
  const query = parts.query === null ? '' : `${database ? '' : '/'}?${redactQuery(parts.query)}`;
  return `${parts.scheme}://${user}${parts.hosts.join(',')}${database}${query}`;
}

function redactQuery(query: string): string {
  return query
    .split('&')
    .map((option) => {
      const equals = option.indexOf('=');
      if (equals < 0) return option;
      const key = option.slice(0, equals);
      return secretOption.test(key) ? `${key}=***` : option;
    })
    .join('&');
}
