import path from 'node:path';
import { UsageError, type AgentRole } from '../domain/index.js';
import type { AgentsConfig } from '../agents/index.js';
import type { Model } from '../llm/model.js';
import { createProviderModel } from '../llm/index.js';
import { createScriptedModel } from '../llm/scripted/index.js';
import { parseLlmSpec } from './llm-spec.js';

/** The model a provider gets when neither `--llm PROVIDER:MODEL` nor the agent file names one. */
export const defaultModels = { openai: 'gpt-4.1-mini', anthropic: 'claude-sonnet-4-6' } as const;

/**
 * Builds the model of every role from the run's `--llm` and the agent files (a role may name its
 * own provider and model). Models are created up front, so a missing key or script fails before
 * any work starts.
 */
export function createModelFactory(options: {
  llm: string;
  agents: AgentsConfig;
  env?: NodeJS.ProcessEnv;
}): (role: AgentRole) => Model {
  const env = options.env ?? process.env;
  const fallback = parseLlmSpec(options.llm);
  const cache = new Map<string, Model>();
  const models = {} as Record<AgentRole, Model>;
  for (const [role, config] of Object.entries(options.agents.roles) as Array<
    [AgentRole, AgentsConfig['roles'][AgentRole]]
  >) {
    const provider = config.provider === 'default' ? fallback.provider : config.provider;
    let key: string;
    let create: () => Model;
    if (provider === 'script') {
      const file = fallback.provider === 'script' ? fallback.file : config.model;
      if (!file)
        throw new UsageError(`the ${role} agent uses the script provider but names no script`, {
          hint: 'set "model: FILE" in its agent file, or run with --llm script:FILE',
        });
      key = `script:${path.resolve(file)}`;
      create = () =>
        createScriptedModel({ file, ...(env.ARBOR_SCRIPT_LOG ? { callLog: env.ARBOR_SCRIPT_LOG } : {}) });
    } else {
      const model =
        config.model ?? (fallback.provider === provider ? fallback.model : null) ?? defaultModels[provider];
      key = `${provider}:${model}:${config.baseURL ?? ''}:${config.apiKeyEnv ?? ''}:${config.timeoutMs}:${config.structuredOutput ?? ''}`;
      create = () =>
        createProviderModel(
          {
            provider,
            model,
            baseURL: config.baseURL,
            apiKeyEnv: config.apiKeyEnv,
            timeoutMs: config.timeoutMs,
            ...(config.structuredOutput ? { structuredOutput: config.structuredOutput } : {}),
          },
          env,
        );
    }
    let model = cache.get(key);
    if (!model) {
      model = create();
      cache.set(key, model);
    }
    models[role] = model;
  }
  return (role) => models[role];
}
