import { UsageError } from '../domain/index.js';
import { loadScript } from '../llm/scripted/index.js';

/** A parsed `--llm` value. */
export type LlmSpec =
  { provider: 'script'; file: string } | { provider: 'openai' | 'anthropic'; model: string | null };

const usageHint = 'use --llm openai[:MODEL], --llm anthropic[:MODEL] or --llm script:FILE (or set ARBOR_LLM)';

/** Parses `openai[:MODEL]`, `anthropic[:MODEL]` or `script:FILE` (DESIGN §5). */
export function parseLlmSpec(spec: string): LlmSpec {
  const colon = spec.indexOf(':');
  const provider = (colon === -1 ? spec : spec.slice(0, colon)).trim();
  const rest = colon === -1 ? '' : spec.slice(colon + 1).trim();
  switch (provider) {
    case 'script':
      if (rest === '')
        throw new UsageError('--llm script needs a file: --llm script:FILE', { hint: usageHint });
      return { provider, file: rest };
    case 'openai':
    case 'anthropic':
      return { provider, model: rest === '' ? null : rest };
    default:
      throw new UsageError(`unknown --llm "${spec}"`, { hint: usageHint });
  }
}

/**
 * Throws the `UsageError` a run with this `--llm` would fail with at its start, where that can be
 * known without calling anyone: a spec that does not parse, a script that is missing or invalid.
 */
export function checkLlmSpec(spec: string): void {
  const parsed = parseLlmSpec(spec);
  if (parsed.provider === 'script') loadScript(parsed.file);
}

/** The `--llm` to use: the flag, then `ARBOR_LLM`, then a provider whose API key is set. */
export function resolveLlmSpec(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = flag ?? env.ARBOR_LLM;
  if (chosen?.trim()) return chosen.trim();
  if (env.OPENAI_API_KEY) return 'openai';
  if (env.ANTHROPIC_API_KEY) return 'anthropic';
  throw new UsageError('no model configured', {
    hint: `${usageHint}; for an offline demo: --llm script:examples/demo.script.yaml`,
  });
}
