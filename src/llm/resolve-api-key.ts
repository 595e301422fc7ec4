import { UsageError } from '../domain/index.js';

/** The providers Arbor calls over HTTP. */
export type ProviderName = 'openai' | 'anthropic';

/** The env var each provider's key is read from unless an agent file names another (`apiKeyEnv`). */
export const defaultApiKeyEnv: Readonly<Record<ProviderName, string>> = Object.freeze({
  openai: 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
});

/** Options of {@link resolveApiKey}. */
export interface ResolveApiKeyOptions {
  provider: ProviderName;
  /** The env var to read; the provider's default when absent. */
  apiKeyEnv?: string;
  /** A base URL other than the vendor's: an OpenAI-compatible server may need no key. */
  baseURL?: string;
}

/**
 * Reads a provider's API key from the environment. Keys only ever come from env vars, so they are
 * never written in agent files, runs or logs. A missing key is a `UsageError` naming the variable to
 * set; a custom OpenAI-compatible server (`baseURL`) without a key gets a placeholder instead.
 */
export function resolveApiKey(
  options: ResolveApiKeyOptions,
  env: Readonly<Record<string, string | undefined>> = process.env,
): { apiKey: string; apiKeyEnv: string } {
  const apiKeyEnv = options.apiKeyEnv ?? defaultApiKeyEnv[options.provider];
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(apiKeyEnv))
    // Not echoed: a key pasted here by mistake must not reach the terminal.
    throw new UsageError('apiKeyEnv must be the name of an environment variable (letters, digits and _)', {
      hint: 'write the variable\'s name (e.g. "OPENAI_API_KEY"), never the key itself',
    });
  const apiKey = env[apiKeyEnv]?.trim();
  if (apiKey) return { apiKey, apiKeyEnv };
  if (options.provider === 'openai' && options.baseURL) return { apiKey: 'not-needed', apiKeyEnv };
  throw new UsageError(`${apiKeyEnv} is not set: ${options.provider} needs an API key`, {
    hint: `export ${apiKeyEnv}=… (or choose another model with --llm)`,
  });
}
