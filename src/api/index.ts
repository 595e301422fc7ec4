// Arbor as a library: everything the CLI and the service use, for code of your own (README "Use from code").
export { cancelRun, type CancelOutcome } from './cancel.js';
export {
  checkDecision,
  pendingApprovals,
  recordDecision,
  type DecisionInput,
  type PendingApproval,
} from './decisions.js';
export { outputFolder } from './output-folder.js';
export {
  findPlan,
  listPlans,
  plansFolder,
  showPlan,
  shippedPlansDir,
  type PlanSummary,
} from './plan-folder.js';
export { readPlan, type PlanInput, type ReadPlan } from './read-plan.js';
export {
  checkPlanText,
  formatPlanProblem,
  PlanCheckError,
  type CheckedPlan,
  type ParamInput,
  type PlanProblem,
} from '../plans/index.js';
export { personName } from './person-name.js';
export {
  assembleTree,
  getNode,
  getRun,
  getTree,
  listRuns,
  runTreeJson,
  unknownNode,
  type NodeRecord,
  type RunTree,
  type TreeNode,
} from './queries.js';
export {
  checkpointSchema,
  runHistory,
  runHistorySchema,
  type Checkpoint,
  type RunHistory,
} from './run-history.js';
export { runWorker, type RunWorkerOptions } from './run-worker.js';
export {
  addSchedule,
  listScheduleViews,
  removeSchedule,
  setSchedulePaused,
  type AddScheduleOptions,
  type ScheduleView,
} from './schedules.js';
export { ScheduleRunner, scheduledRunSpec, type ScheduleRunnerOptions } from './schedule-runner.js';
export { scheduledRunId } from './scheduled-run-id.js';
export { checkScheduleTiming, dueTicks, nextTick, type DueTicks, type ScheduleTiming } from './schedule-ticks.js';
export { RunTracing, type DriveKind, type TraceOptions } from './run-tracing.js';
export { type CallTotals } from './call-totals.js';
export { type CriticalPathStep } from './critical-path.js';
export { computeRunStats, runStats, type RunRecords, type RunStatsOptions } from './run-stats.js';
export { runStatsSchema, type RunStats } from './run-stats-schema.js';
export { runTotals, runTotalsSchema, type RunTotals } from './run-totals.js';
export { type WaitingSpan } from './waiting-for-people.js';
export {
  checkRun,
  createRun,
  prepareResume,
  resumeRun,
  RunHandle,
  startRun,
  type CheckedRun,
  type CreateRunOptions,
  type DriveOptions,
  type ModelChoice,
  type NoteInput,
  type ReadyRun,
  type ResumeRunOptions,
  type RunSettings,
  type RunSpec,
  type RunWork,
  type StartRunOptions,
} from './runs.js';
