/** Where to store when nothing is configured: `.arbor/` in the working directory (DESIGN §5). */
export const defaultStoreSpec = '.arbor';

/** Which store a command uses: `--store`, then `ARBOR_STORE`, then `MONGODB_URI`, then `.arbor/`. */
export function resolveStoreSpec(spec: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return nonEmpty(spec) ?? nonEmpty(env.ARBOR_STORE) ?? nonEmpty(env.MONGODB_URI) ?? defaultStoreSpec;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
