import path from 'node:path';
import type { ModelCall } from '../domain/index.js';
import { defaultModels } from './model-factory.js';

/** The provider and model of a call. */
export interface CallModel {
  provider: string;
  model: string;
}

/**
 * Which provider and model answered a call: as stored on it, or, for calls stored before Arbor kept
 * that, as the run's `--llm` names them (a role's own agent file is not known then).
 */
export function modelOfCall(call: Pick<ModelCall, 'provider' | 'model'>, llm: string): CallModel {
  if (call.provider !== undefined && call.model !== undefined)
    return { provider: call.provider, model: call.model };
  const fallback = modelOfLlm(llm);
  return { provider: call.provider ?? fallback.provider, model: call.model ?? fallback.model };
}

/** The provider and model a run's `--llm` setting stands for: `openai:gpt-4.1`, `script:FILE`, `custom:P:M`. */
export function modelOfLlm(llm: string): CallModel {
  const [provider = llm, ...rest] = llm.split(':');
  const named = rest.join(':');
  switch (provider) {
    case 'script':
      return { provider, model: named === '' ? 'unknown' : path.basename(named) };
    case 'openai':
    case 'anthropic':
      return { provider, model: named === '' ? defaultModels[provider] : named };
    case 'custom': {
      const [customProvider, ...model] = rest;
      return customProvider
        ? { provider: customProvider, model: model.join(':') || 'unknown' }
        : { provider: 'custom', model: 'unknown' };
    }
    default:
      return { provider: provider === '' ? 'unknown' : provider, model: named === '' ? 'unknown' : named };
  }
}
