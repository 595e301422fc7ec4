import path from 'node:path';
import type { AgentRole } from '../domain/index.js';
import { loadAgentsConfig, loadPromptTemplates, type AgentsConfig, type NoteText, type PromptTemplates } from '../agents/index.js';
import type { Model } from '../llm/model.js';
import { createModelFactory } from './model-factory.js';
import { packageRoot } from './package-root.js';

/** Everything a run needs that comes from files and flags, checked before any work starts. */
export interface PreparedAgents {
  agents: AgentsConfig;
  templates: PromptTemplates;
  modelFor: (role: AgentRole) => Model;
  agentsDir: string;
  promptsDir: string;
}

/** Loads agent files, templates and models; any problem throws a `UsageError` (exit 2). */
export async function prepareAgents(options: {
  agentsDir: string | null | undefined;
  promptsDir: string | null | undefined;
  llm: string;
}): Promise<PreparedAgents> {
  const agentsDir = path.resolve(options.agentsDir ?? path.join(packageRoot, 'agents'));
  const promptsDir = path.resolve(options.promptsDir ?? path.join(packageRoot, 'prompts'));
  const agents = await loadAgentsConfig(agentsDir);
  const templates = await loadPromptTemplates(promptsDir, agents);
  const modelFor = createModelFactory({ llm: options.llm, agents });
  return { agents, templates, modelFor, agentsDir, promptsDir };
}

/** Notes texts for prompts, from what was read and checked. */
export function noteTexts(notes: ReadonlyArray<{ text: NoteText }>): NoteText[] {
  return notes.map((note) => note.text);
}
