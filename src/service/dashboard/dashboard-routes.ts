import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { packageRoot } from '../../api/package-root.js';

/**
 * Where the dashboard's own files are: beside this module in `src/`, which `dist/` does not copy,
 * so from the package root in both cases (package.json `files` ships the folder).
 */
export const dashboardPublicDir = path.join(packageRoot, 'src', 'service', 'dashboard', 'public');

const require = createRequire(import.meta.url);

/** The browser builds of the dashboard's libraries, served from node_modules under these names (the page's import map). */
function vendorFiles(): Record<string, string> {
  const beside = (specifier: string, file: string) =>
    path.join(path.dirname(require.resolve(specifier)), file);
  return {
    'preact.js': beside('preact', 'preact.module.js'),
    'preact-hooks.js': beside('preact/hooks', 'hooks.module.js'),
    'htm.js': beside('htm', 'htm.module.js'),
    'mermaid.js': beside('mermaid', 'mermaid.min.js'),
  };
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * The web dashboard (README "Dashboard"): `GET /` is its page, `GET /dashboard/FILE` its scripts and
 * styles, `GET /dashboard/vendor/FILE` Preact, htm and Mermaid. These routes are public — they carry
 * no data; the page asks for the token and sends it on every `/v1` call. Only the files listed at
 * start are served, by exact name, so no path can reach outside the folder.
 */
export async function registerDashboard(app: FastifyInstance, publicDir = dashboardPublicDir): Promise<void> {
  const own = new Map<string, string>();
  for (const entry of await readdir(publicDir, { withFileTypes: true }))
    if (entry.isFile() && contentTypes[path.extname(entry.name)])
      own.set(entry.name, path.join(publicDir, entry.name));
  const vendor = new Map(Object.entries(vendorFiles()));
  const config = { public: true };

  const page = own.get('index.html');
  const policy = page === undefined ? null : contentSecurityPolicy(await readFile(page, 'utf8'));
  app.get('/', { config }, (_request, reply) => {
    if (policy !== null) void reply.header('content-security-policy', policy);
    return send(reply, page);
  });
  app.get('/dashboard/:file', { config }, (request, reply) =>
    send(reply, own.get((request.params as { file: string }).file)),
  );
  app.get('/dashboard/vendor/:file', { config }, (request, reply) =>
    send(reply, vendor.get((request.params as { file: string }).file), 'public, max-age=3600'),
  );
}

function send(reply: FastifyReply, file: string | undefined, cacheControl = 'no-cache'): FastifyReply {
  if (file === undefined) return reply.code(404).type('text/plain; charset=utf-8').send('no such file\n');
  return reply
    .type(contentTypes[path.extname(file)] ?? 'application/octet-stream')
    .header('cache-control', cacheControl)
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .send(createReadStream(file));
}

/**
 * The page's Content-Security-Policy: scripts only from Arbor itself (and the page's own import
 * map, by its hash), calls only to Arbor (its WebSocket too), no framing. Styles may be inline:
 * Mermaid styles the SVG it draws.
 */
function contentSecurityPolicy(page: string): string {
  const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(page)?.[1];
  const hash =
    importMap === undefined ? '' : ` 'sha256-${createHash('sha256').update(importMap).digest('base64')}'`;
  return [
    "default-src 'self'",
    `script-src 'self'${hash}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}
