export { Budget } from './budget.js';
export { buildChildren, type NewChildren } from './build-children.js';
export { buildNodeContext } from './build-node-context.js';
export { cancelRun, type CancelRunOptions, type CancelRunOutcome } from './cancel-run.js';
export { ConcurrencySlots } from './concurrency-slots.js';
export { createRun, type CreateRunOptions } from './create-run.js';
export type { EngineEvent } from './engine-event.js';
export {
  checkRedo,
  redoRefusal,
  redoTargets,
  type RedoRefusal,
  type RedoRequest,
  type RedoTargets,
} from './redo-from-node.js';
export { rollUpResult } from './roll-up-result.js';
export { RunEngine, type RunEngineOptions } from './run-engine.js';
export type { RunOutcome } from './run-end-status.js';
export { noopRunTracer, type RunTracer } from './run-tracer.js';
export { TreeState } from './tree-state.js';
export { writeArtifacts } from './write-artifacts.js';
