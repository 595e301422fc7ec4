import type { Model } from './model.js';

/**
 * A model whose implementation, and the vendor SDK behind it, is loaded at its first call: commands
 * that never call a model (`arbor runs`, `arbor tree`, `--help`) never load an SDK.
 */
export function lazyModel(provider: string, modelId: string, load: () => Promise<Model>): Model {
  let loaded: Promise<Model> | null = null;
  return {
    provider,
    modelId,
    async generate(request) {
      loaded ??= load();
      return (await loaded).generate(request);
    },
  };
}
