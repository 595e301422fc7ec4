export { EmbeddedStore, openEmbeddedStore, type EmbeddedStoreOptions } from './embedded-store.js';
