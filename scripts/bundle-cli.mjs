// Bundles the `arbor` command (src/cli/main.ts) into dist/bin/ with esbuild, after `tsc` has built
// the library into dist/ (`npm run build` runs both). Issue 17 §1: started from hundreds of small
// ESM files, the CLI spent most of its start resolving, reading and linking them; one bundle starts
// in about half the time. The library (`exports` → dist/index.js) stays tsc's unbundled output.
//
// - The `import()`s in the sources stay lazy: with code splitting each becomes a chunk of its own
//   (the MongoDB store, the service, the provider models, OTLP tracing), loaded only when used.
// - Packages that are large and only ever imported lazily stay external (loaded from node_modules
//   when a command needs them); the small ones every start needs (commander, zod, yaml, handlebars,
//   winston, @opentelemetry/api) are bundled.
// - Every chunk lies flat in dist/bin/, two levels below the package root, as dist/api/package-root.js
//   does: `packageRoot` (src/api/package-root.ts) resolves `../../` from its module, so it finds
//   agents/, prompts/, plans/ and the dashboard's files from either build.
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const outdir = path.join(root, 'dist', 'bin');

/** Imported only lazily (a command or option that needs them) and large: left in node_modules. */
const externalPackages = [
  '@anthropic-ai/sdk',
  'openai',
  'mongodb',
  'fastify',
  '@fastify/*',
  'ws',
  '@inquirer/*',
  '@opentelemetry/exporter-trace-otlp-http',
  '@opentelemetry/resources',
  '@opentelemetry/sdk-trace-base',
];

await rm(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { arbor: 'src/cli/main.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: externalPackages,
  sourcemap: true,
  sourcesContent: false,
  logLevel: 'warning',
  // The bundled CommonJS packages (commander, winston, handlebars, yaml) `require` node's modules.
  banner: { js: "import { createRequire as __arborCreateRequire } from 'node:module'; const require = __arborCreateRequire(import.meta.url);" },
});
