export { createMissingIndexes, mongoIndexes } from './ensure-indexes.js';
export { isTransientMongoError } from './is-transient-mongo-error.js';
export { mongoOptionsFromEnv, retryEnvVariable } from './mongo-options-from-env.js';
export { MongoStore, type MongoStoreOptions } from './mongo-store.js';
export { defaultDatabaseName, openMongoStore, type OpenMongoStoreOptions } from './open-mongo-store.js';
export { parseMongoUri, type MongoUriParts } from './parse-mongo-uri.js';
export { redactUri } from './redact-uri.js';
