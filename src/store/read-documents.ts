import { z } from 'zod';
import {
  modelCallSchema,
  nodeEventSchema,
  nodeSchemaVersion,
  runSchema,
  runSchemaVersion,
  StoreError,
  taskNodeSchema,
  type ModelCall,
  type NodeEvent,
  type NodePatch,
  type Run,
  type TaskNode,
} from '../domain/index.js';

/** A stored document as it came off disk or the wire, before validation. */
type RawDocument = Record<string, unknown>;

/** Turns a document of version `n` into one of version `n + 1`. */
type UpgradeStep = (document: RawDocument) => RawDocument;

/**
 * Upgrade steps per document kind, keyed by the version they upgrade from. Only v1 exists; a v2 adds
 * `1: (v1) => ({ ...v1, schemaVersion: 2, … })` here, bumps the schema, and keeps the v1 fixture
 * under `test/fixtures/documents/` loading.
 */
const upgrades: Record<'run' | 'node' | 'event', Readonly<Record<number, UpgradeStep>>> = {
  run: {},
  node: {},
  event: {},
};

const currentVersions = { run: runSchemaVersion, node: nodeSchemaVersion, event: 1 } as const;

/** The fields of a node no write changes: its identity and tree position (see `NodePatch`). */
export const nodeIdentityKeys = ['schemaVersion', 'runId', 'id', 'parentId', 'ancestors', 'depth', 'order', 'createdAt'] as const;

/** The fields of a node a write may change (identity and tree position are left out, see `NodePatch`). */
const nodePatchSchema = taskNodeSchema
  .omit(Object.fromEntries(nodeIdentityKeys.map((key) => [key, true])) as Record<(typeof nodeIdentityKeys)[number], true>)
  .partial();

/**
 * Validates a stored run document and upgrades it from an older `schemaVersion`. `source` names
 * where it came from (a file path, a collection) for the error message.
 */
export function parseRun(value: unknown, source: string): Run {
  return validate(runSchema, upgrade('run', value, source), 'run', source);
}

/** Validates a stored node document and upgrades it from an older `schemaVersion`. */
export function parseNode(value: unknown, source: string): TaskNode {
  return validate(taskNodeSchema, upgrade('node', value, source), 'node', source);
}

/**
 * Upgrades a stored node document from an older `schemaVersion` without validating it: for a
 * reader that validates the node later, once (see `RunJournal`); `parseNode` does both.
 */
export function upgradeNode(value: unknown, source: string): Readonly<Record<string, unknown>> {
  return upgrade('node', value, source);
}

/** Validates a stored node event and upgrades it from an older `schemaVersion`. */
export function parseEvent(value: unknown, source: string): NodeEvent {
  return validate(nodeEventSchema, upgrade('event', value, source), 'event', source);
}

/** Validates a stored model call (version 1 is the only one so far). */
export function parseModelCall(value: unknown, source: string): ModelCall {
  return validate(modelCallSchema, value, 'model call', source);
}

/** Validates the fields of a node write; unknown and identity fields are dropped. */
export function parseNodePatch(value: unknown, source: string): NodePatch {
  return validate(nodePatchSchema, value, 'node update', source);
}

/**
 * Validates a node write (`Store.updateNode`): its patch, with the node's new version set (one per
 * event, one without events), and its events, oldest first. `source` names the node for errors.
 */
export function parseNodeUpdate(
  update: { expectedVersion: number; patch: NodePatch; events?: readonly NodeEvent[] },
  source: string,
): { patch: NodePatch; events: NodeEvent[] } {
  const steps = Math.max(1, update.events?.length ?? 0);
  return {
    patch: parseNodePatch({ ...update.patch, version: update.expectedVersion + steps }, source),
    events: (update.events ?? []).map((event, index) => parseEvent(event, `event ${index + 1} of ${source}`)),
  };
}

function upgrade(kind: keyof typeof upgrades, value: unknown, source: string): RawDocument {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new StoreError(`${source}: not a stored ${kind} (found ${describe(value)})`);
  let document = value as RawDocument;
  const current = currentVersions[kind];
  const version = document.schemaVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1)
    throw new StoreError(`${source}: the ${kind} document has no valid schemaVersion`);
  if (version > current)
    throw new StoreError(
      `${source}: the ${kind} document has schemaVersion ${version}, newer than this Arbor understands (${current})`,
      { hint: 'upgrade Arbor to read this store' },
    );
  for (let from = version; from < current; from++) {
    const step = upgrades[kind][from];
    if (!step) throw new StoreError(`${source}: no upgrade of ${kind} documents from schemaVersion ${from}`);
    document = step(document);
  }
  return document;
}

function validate<T>(schema: z.ZodType<T>, value: unknown, kind: string, source: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new StoreError(`${source}: not a valid ${kind} document: ${z.prettifyError(parsed.error)}`, {
    cause: parsed.error,
  });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}
