#!/usr/bin/env node
// Runs the bundled CLI (dist/bin/, built by `npm install` and `npm run build`, see
// scripts/bundle-cli.mjs). In a clone whose sources are newer than the bundle (or without it), it
// runs the TypeScript sources through tsx instead, so an edit never runs stale code.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = `${root}dist/bin/arbor.js`;

/** Newest modification time under `dir` (0 when it does not exist). */
function newest(dir) {
  let latest = 0;
  if (!existsSync(dir)) return 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true }))
    if (entry.isFile() && !entry.name.endsWith('.test.ts')) latest = Math.max(latest, statSync(`${entry.parentPath}/${entry.name}`).mtimeMs);
  return latest;
}

const sources = `${root}src`;
if (existsSync(built) && (!existsSync(sources) || newest(sources) <= statSync(built).mtimeMs)) {
  await import(built);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
