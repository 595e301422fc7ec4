export type { PendingDecision, RunLock, Store, UpdateNodeOptions } from './store.js';
