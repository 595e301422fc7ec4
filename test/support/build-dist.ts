import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Newest modification time of the files under `dir` (0 when it does not exist). */
function newest(dir: string): number {
  let latest = 0;
  try {
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true }))
      if (entry.isFile()) latest = Math.max(latest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  } catch {
    return 0;
  }
  return latest;
}

/**
 * Vitest global setup: tests that use Arbor as an installed package (`import … from 'arbor'`) run
 * the compiled `dist/`, and the CLI tests the bundled command in `dist/bin/`; rebuild both (`npm run
 * build`) when any source is newer, so they never test stale code.
 */
export default function setup(): void {
  // The build writes dist/bin/ (the bundled `arbor` command, scripts/bundle-cli.mjs) last.
  const built = newest(path.join(root, 'dist', 'bin'));
  if (built !== 0 && newest(path.join(root, 'src')) <= built) return;
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  execFileSync(process.execPath, [path.join(root, 'scripts', 'bundle-cli.mjs')], { cwd: root, stdio: 'inherit' });
}
