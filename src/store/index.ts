export { EmbeddedStore, openEmbeddedStore, type EmbeddedStoreOptions } from './embedded/index.js';
export type { ListRunsOptions } from './list-runs-options.js';
export { openStore } from './open-store.js';
export { parseEvent, parseModelCall, parseNode, parseNodePatch, parseRun } from './read-documents.js';
export { defaultStoreSpec, resolveStoreSpec } from './resolve-store-spec.js';
export { SeqTail } from './seq-tail.js';
export type {
  BudgetReservation,
  EventsAfterOptions,
  PendingDecision,
  PendingEventSeqs,
  RenewLeaseOptions,
  ReserveBudgetOptions,
  RunLock,
  SettleBudgetOptions,
  Store,
  UpdateNodeOptions,
  UpdateRunOptions,
} from './store.js';
export { noPendingEventSeqs } from './store.js';
