export { EmbeddedStore, openEmbeddedStore, type EmbeddedStoreOptions } from './embedded/index.js';
export { openStore } from './open-store.js';
export { parseEvent, parseModelCall, parseNode, parseNodePatch, parseRun } from './read-documents.js';
export { defaultStoreSpec, resolveStoreSpec } from './resolve-store-spec.js';
export type { PendingDecision, RunLock, Store, UpdateNodeOptions } from './store.js';
