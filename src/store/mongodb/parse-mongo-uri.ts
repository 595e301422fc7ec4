/** The parts of a MongoDB connection string that Arbor needs to name and choose things. */
export interface MongoUriParts {
  scheme: 'mongodb' | 'mongodb+srv';
  username: string | null;
  password: string | null;
  /** `host:port` entries as written (one SRV name for `mongodb+srv`). */
  hosts: string[];
  /** The database in the path, or null when the URI names none. */
  database: string | null;
  /** The options after `?`, as written. */
  query: string | null;
}

/**
 * Splits a `mongodb://` or `mongodb+srv://` URI by hand rather than with `URL`, which cannot hold a
 * comma-separated host list. Returns null for anything else. Credentials come back percent-decoded.
 * @see https://www.mongodb.com/docs/manual/reference/connection-string/
 */
export function parseMongoUri(uri: string): MongoUriParts | null {
  const match = /^(mongodb|mongodb\+srv):\/\/(.*)$/s.exec(uri.trim());
  if (!match) return null;
  const scheme = match[1] === 'mongodb+srv' ? 'mongodb+srv' : 'mongodb';
  let rest = match[2] ?? '';

  let query: string | null = null;
  const queryStart = rest.indexOf('?');
  if (queryStart >= 0) {
    query = rest.slice(queryStart + 1);
    rest = rest.slice(0, queryStart);
  }

  // Credentials end at the last '@': a password must percent-encode '@', so the last one is ours.
  let username: string | null = null;
  let password: string | null = null;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const userInfo = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = userInfo.indexOf(':');
    username = decode(colon >= 0 ? userInfo.slice(0, colon) : userInfo);
    password = colon >= 0 ? decode(userInfo.slice(colon + 1)) : null;
  }

  const slash = rest.indexOf('/');
  const hostList = slash >= 0 ? rest.slice(0, slash) : rest;
  const path = slash >= 0 ? rest.slice(slash + 1) : '';
  const hosts = hostList.split(',').filter((host) => host.length > 0);
  if (hosts.length === 0) return null;
  return { scheme, username, password, hosts, database: path ? decode(path) : null, query };
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
