/**
 * An exclusion projection (`{field: 0}`) applied in code. `findOneAndUpdate` takes no projection
 * here: FerretDB refuses `findAndModify` with `fields` ("not implemented yet"), and Arbor keeps to
 * what MongoDB 4.4+, Atlas, mongo-java-server and FerretDB all serve (docs/mongodb.md).
 */
export function withoutFields<T extends object>(
  document: T,
  excluded: Readonly<Record<string, 0>>,
): Record<string, unknown> {
  const copy = { ...document } as Record<string, unknown>;
  for (const field of Object.keys(excluded)) delete copy[field];
  return copy;
}

/** What the store leaves out of a run document: MongoDB's `_id` and the shared-run bookkeeping. */
export const runFields = { _id: 0, driver: 0, committed: 0, eventSeq: 0 } as const;
