import path from 'node:path';
import { agentRoles, isAgentFileSpec, UsageError, type AgentRole } from '../domain/index.js';
import {
  loadAgentsConfig,
  loadPromptTemplate,
  loadPromptTemplates,
  parseKeptAgentFile,
  type AgentsConfig,
  type NoteText,
  type PromptTemplates,
  type StepAgent,
} from '../agents/index.js';
import type { Model } from '../llm/model.js';
import { createModelFactory } from './model-factory.js';
import { packageRoot } from './package-root.js';

/** Everything a run needs that comes from files and flags, checked before any work starts. */
export interface PreparedAgents {
  agents: AgentsConfig;
  templates: PromptTemplates;
  modelFor: (role: AgentRole) => Model;
  /**
   * What a written step's `agent` gives its node: the models of another `--llm` spec with the same
   * agent files (built once per spec), or one of the run's agent files (`agentFiles`) for its role.
   */
  stepAgent: (agent: string) => StepAgent;
  agentsDir: string;
  promptsDir: string;
}

/** Loads agent files, templates and models; any problem throws a `UsageError` (exit 2). */
export async function prepareAgents(options: {
  agentsDir: string | null | undefined;
  promptsDir: string | null | undefined;
  llm: string;
  /** A model object (or one per role) used instead of the models `llm` and the agent files name. */
  model?: Model | ((role: AgentRole) => Model) | undefined;
  /** The agent files written steps name (a run's `plan.agents`), by the steps' `agent` text. */
  agentFiles?: Readonly<Record<string, unknown>> | undefined;
}): Promise<PreparedAgents> {
  const agentsDir = path.resolve(options.agentsDir ?? path.join(packageRoot, 'agents'));
  const promptsDir = path.resolve(options.promptsDir ?? path.join(packageRoot, 'prompts'));
  const agents = await loadAgentsConfig(agentsDir);
  const templates = await loadPromptTemplates(promptsDir, agents);
  const modelFor = options.model
    ? modelsFrom(options.model)
    : createModelFactory({ llm: checkedLlm(options.llm), agents });
  // By the step's `agent` text: the agent files now, each model spec on its first use.
  const stepAgents = new Map<string, StepAgent>();
  for (const [spec, stored] of Object.entries(options.agentFiles ?? {})) {
    const config = parseKeptAgentFile(spec, stored);
    const template = await loadPromptTemplate(promptsDir, config.template, {
      what: `the prompt template of the agent file "${spec}"`,
      hint: `pass --prompts DIR with ${config.template}, or fix "template" in ${spec}`,
    });
    // A model passed in code stays the model; the agent file still sets the role's settings and template.
    const models = options.model
      ? modelFor
      : createModelFactory({ llm: checkedLlm(options.llm), agents: { ...agents, roles: { ...agents.roles, [config.role]: config } } });
    const own = (role: AgentRole) => role === config.role;
    stepAgents.set(spec, {
      modelFor: (role) => (own(role) ? models : modelFor)(role),
      configFor: (role) => (own(role) ? config : agents.roles[role]),
      templateFor: (role) => (own(role) ? template : templates[role]),
    });
  }
  const stepAgent = (agent: string): StepAgent => {
    let chosen = stepAgents.get(agent);
    if (chosen) return chosen;
    if (isAgentFileSpec(agent))
      throw new UsageError(`a step names the agent file "${agent}", but the run holds no such agent file`, {
        hint: 'start the run again from its plan file, so that its agent files are read',
      });
    chosen = {
      modelFor: createModelFactory({ llm: checkedLlm(agent), agents }),
      configFor: (role) => agents.roles[role],
      templateFor: (role) => templates[role],
    };
    stepAgents.set(agent, chosen);
    return chosen;
  };
  return { agents, templates, modelFor, stepAgent, agentsDir, promptsDir };
}

/** Notes texts for prompts, from what was read and checked. */
export function noteTexts(notes: ReadonlyArray<{ text: NoteText }>): NoteText[] {
  return notes.map((note) => note.text);
}

/** A model for every role from what code passed: checked up front like the models Arbor builds. */
function modelsFrom(model: Model | ((role: AgentRole) => Model)): (role: AgentRole) => Model {
  const models = new Map<AgentRole, Model>();
  for (const role of agentRoles) {
    const chosen = typeof model === 'function' ? model(role) : model;
    if (
      typeof chosen?.generate !== 'function' ||
      typeof chosen.provider !== 'string' ||
      typeof chosen.modelId !== 'string'
    )
      throw new UsageError(`the model given for the ${role} is not a model`, {
        hint: 'pass an object with provider, modelId and generate(request) (the Model interface)',
      });
    models.set(role, chosen);
  }
  return (role) => models.get(role)!;
}

/** A run started with a model passed in code cannot be resumed without it. */
function checkedLlm(llm: string): string {
  if (llm === 'custom' || llm.startsWith('custom:'))
    throw new UsageError(`this run was started with a model passed in code (${llm})`, {
      hint: 'resume it from code with resumeRun({ runId, model }), or pass --llm openai|anthropic|script:FILE',
    });
  return llm;
}
