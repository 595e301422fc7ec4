export { checkPlanText, type CheckedPlan, type CheckPlanOptions } from './check-plan.js';
export { formatPlanProblem, PlanCheckError, type PlanProblem } from './plan-check-error.js';
export type { PlanPosition } from './plan-locator.js';
export type { ParamInput } from './resolve-params.js';
export {
  renderStepPrompt,
  stepFields,
  templateVariables,
  type StepPromptData,
  type StepValues,
  type TemplateVariable,
} from './step-prompt.js';
