import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const src = path.join(import.meta.dirname, '..');

/** Every source file (not tests) under `src/`, relative to it. */
async function sources(): Promise<string[]> {
  const entries = await readdir(src, { recursive: true });
  return entries.filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts')).sort();
}

/** The modules a file imports statically (`import … from '…'`, `export … from '…'`). */
function staticImports(text: string): string[] {
  return [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm)].map((match) => match[1]!);
}

describe('tracing stays out of the way', () => {
  it('loads the OpenTelemetry SDK only through a dynamic import of the CLI, and keeps it out of the lower layers', async () => {
    const sdkUsers: string[] = [];
    const apiUsers: string[] = [];
    const staticLoaders: string[] = [];
    for (const file of await sources()) {
      const imports = staticImports(await readFile(path.join(src, file), 'utf8'));
      if (imports.some((module) => module.startsWith('@opentelemetry/') && module !== '@opentelemetry/api'))
        sdkUsers.push(file);
      if (imports.includes('@opentelemetry/api')) apiUsers.push(file);
      if (imports.some((module) => module.endsWith('/otlp-tracing.js'))) staticLoaders.push(file);
    }
    expect(sdkUsers).toEqual([path.join('cli', 'otlp-tracing.ts')]);
    expect(staticLoaders).toEqual([]);
    // The engine and everything below it talk to the `RunTracer` seam, not to OpenTelemetry.
    for (const file of apiUsers) expect(file).toMatch(/^(api|cli)[\\/]/);
  });
});
