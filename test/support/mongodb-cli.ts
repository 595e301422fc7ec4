import type { MongoClient } from 'mongodb';
import { parseMongoUri } from '../../src/store/mongodb/index.js';
import type { TaskNode } from '../../src/domain/index.js';

/** `uri` with `database` as its path, keeping its credentials and options: what a user passes to `--store`. */
export function databaseUri(uri: string, database: string): string {
  const parts = parseMongoUri(uri);
  if (!parts) throw new Error(`not a MongoDB URI: ${uri}`);
  const user =
    parts.username === null
      ? ''
      : `${encodeURIComponent(parts.username)}${parts.password === null ? '' : `:${encodeURIComponent(parts.password)}`}@`;
  const query = parts.query === null ? '' : `?${parts.query}`;
  return `${parts.scheme}://${user}${parts.hosts.join(',')}/${encodeURIComponent(database)}${query}`;
}

/** The node documents of a run as stored in `database`, read around the store (no validation). */
export async function rawNodes(client: MongoClient, database: string, runId: string): Promise<TaskNode[]> {
  return client
    .db(database)
    .collection<TaskNode>('nodes')
    .find({ runId }, { projection: { _id: 0 } })
    .toArray();
}
