/**
 * The web dashboard (web/, built by `npm run build:web` into web/dist) served at `/`, and the
 * one endpoint only the dashboard needs: the latest `kairos bench` report.
 *
 *   GET /               web/dist/index.html (no-cache); 503 page saying to run `npm run build:web`
 *                       when web/dist is missing
 *   GET /assets/*       hashed bundles (cached for a year, immutable)
 *   GET /bench/latest   viewer: the JSON of `kairos bench --json` found at KAIROS_BENCH_REPORT,
 *                       else <state>/bench.json; `{report: null, path, error?}` when there is none
 *
 * The dashboard routes itself by the URL hash (`/#/runs/ID`), so its pages never shadow an API
 * path (`/runs`, `/queues`, `/policy` are API routes) and no SPA fallback is needed. The page and
 * its assets are public (they hold no data); every API call the page makes carries the token.
 */
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** web/dist from src/server/ (tsx) and from dist/server/ (compiled): both two levels below the repo. */
export const DASHBOARD_DIST = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'dist');

/** Largest bench report read (a `kairos bench --json` output is a few KiB). */
const MAX_BENCH_BYTES = 4 * 1024 * 1024;

const MISSING_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Kairos — dashboard not built</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;line-height:1.5">
<h1>The Kairos dashboard is not built</h1>
<p>The server found no <code>web/dist</code>. Build it from the repository with</p>
<pre style="background:#f3f4f6;padding:.75rem">npm run build:web</pre>
<p>then reload this page. The HTTP API works meanwhile: see <a href="/docs">/docs</a>.</p>
</body></html>`;

export interface DashboardOptions {
  /** Folder of the built dashboard. Default DASHBOARD_DIST. */
  readonly dist?: string;
}

export async function dashboardRoutes(app: FastifyInstance, opts: DashboardOptions = {}): Promise<void> {
  const dist = opts.dist ?? DASHBOARD_DIST;
  const built = existsSync(join(dist, 'index.html'));
  const hidden = { hide: true } as Record<string, unknown>;

  if (built) {
    await app.register(fastifyStatic, { root: dist, serve: false, decorateReply: true });
    app.get('/', { config: { public: true }, schema: hidden }, (_req, reply) =>
      reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false }),
    );
    app.get('/assets/*', { config: { public: true }, schema: hidden }, (req, reply) => {
      const file = (req.params as { '*': string })['*'];
      // @fastify/send refuses paths that climb out of the root (`..`) with 403.
      return reply.sendFile(`assets/${file}`, { maxAge: '365d', immutable: true });
    });
  } else {
    app.get('/', { config: { public: true }, schema: hidden }, (_req, reply) =>
      reply.code(503).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(MISSING_PAGE),
    );
  }

  const benchPath = resolve(process.env.KAIROS_BENCH_REPORT || join(app.kairos.config.stateDir, 'bench.json'));
  app.get('/bench/latest', {
    schema: { tags: ['dashboard'], summary: 'The latest `kairos bench --json` report (KAIROS_BENCH_REPORT, else <state>/bench.json)' },
  }, async () => {
    const path = benchPath;
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      return { report: null, path };
    }
    if (text.length > MAX_BENCH_BYTES) return { report: null, path, error: `the report is over ${MAX_BENCH_BYTES} bytes` };
    try {
      return { report: JSON.parse(text) as unknown, path };
    } catch {
      return { report: null, path, error: `not valid JSON; write it with \`kairos bench --json > ${path}\`` };
    }
  });
}
