import path from 'node:path';
import { agentRoles, UsageError, type AgentRole } from '../domain/index.js';
import {
  loadAgentsConfig,
  loadPromptTemplates,
  type AgentsConfig,
  type NoteText,
  type PromptTemplates,
} from '../agents/index.js';
import type { Model } from '../llm/model.js';
import { createModelFactory } from './model-factory.js';
import { packageRoot } from './package-root.js';

/** Everything a run needs that comes from files and flags, checked before any work starts. */
export interface PreparedAgents {
  agents: AgentsConfig;
  templates: PromptTemplates;
  modelFor: (role: AgentRole) => Model;
  /** The models of another `--llm` spec with the same agent files: a written step's `agent` (built once per spec). */
  modelsForLlm: (llm: string) => (role: AgentRole) => Model;
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
}): Promise<PreparedAgents> {
  const agentsDir = path.resolve(options.agentsDir ?? path.join(packageRoot, 'agents'));
  const promptsDir = path.resolve(options.promptsDir ?? path.join(packageRoot, 'prompts'));
  const agents = await loadAgentsConfig(agentsDir);
  const templates = await loadPromptTemplates(promptsDir, agents);
  const modelFor = options.model
    ? modelsFrom(options.model)
    : createModelFactory({ llm: checkedLlm(options.llm), agents });
  const factories = new Map<string, (role: AgentRole) => Model>();
  const modelsForLlm = (llm: string) => {
    let factory = factories.get(llm);
    if (!factory) factories.set(llm, (factory = createModelFactory({ llm: checkedLlm(llm), agents })));
    return factory;
  };
  return { agents, templates, modelFor, modelsForLlm, agentsDir, promptsDir };
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
