// `arbor serve`: Arbor over HTTP, a client of the library API beside the CLI (DESIGN §9).
export { buildService, type BuildServiceOptions } from './build-service.js';
export { openApiDocument } from './openapi-document.js';
export { problemFor, type Problem } from './problem.js';
export { mongoSettleMs, type SequencedEvent } from './run-event-log.js';
export { serve, type RunningService, type ServeOptions } from './serve.js';
export { ServiceRuns, type NewRunRequest, type ServiceRunsOptions } from './service-runs.js';
export { StreamSender, streamCloseCodes, type StreamSocket } from './stream-sender.js';
export { resolveServiceToken, tokenMatches, type ServiceToken } from './service-token.js';
