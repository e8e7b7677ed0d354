/**
 * Server benchmark (issue 5, "Performance"), reported in docs/benchmarks.md "## Server (issue 5)".
 *
 *   node --import tsx bench/server/run.ts [--duration 10] [--connections 50] [--runs 10000] [--loads 5]
 *        [--only submit|page]
 *
 * 1. Submit throughput and latency: a real server (createServer + listen) on 127.0.0.1 with its
 *    embedded SQLite state in a temp folder, rate limiting off, no token (open server). autocannon
 *    POSTs /runs of a tiny registered workflow (one `fn` task that returns at once) on N
 *    connections for D seconds. The embedded engine also RUNS every submitted run meanwhile (same
 *    process, same event loop): the figures are for submit + execute, not for an idle engine.
 * 2. The runs page with 10,000 stored runs: the store is seeded directly (Store.commit, batches of
 *    1,000 runs, each with one task), then a server on that state serves the built dashboard
 *    (web/dist). Headless Chromium (playwright-core, /usr/bin/chromium) loads `/` in a fresh
 *    context LOADS times; time to first render = performance.now() (ms since navigation start)
 *    when the first `tr[data-run-id]` row is inserted, recorded by a MutationObserver installed
 *    before any page script. Also timed: GET /runs?limit=200 (what the page asks for) server-side.
 *
 * Loopback only; every phase is bounded (autocannon's duration, 60 s per page load) and the
 * script exits by itself, removing its temp folders.
 */
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { chromium } from 'playwright-core';
import { createServer, type KairosServer } from '../../src/server/app.js';
import { DASHBOARD_DIST } from '../../src/server/dashboard.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { emptyBatch, type RunRow, type TaskRow } from '../../src/store/types.js';

declare const window: any;
declare const document: any;
declare const MutationObserver: any;

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { average: number; p50: number; p90: number; p99: number; max: number };
  non2xx: number; errors: number; timeouts: number; duration: number;
  '2xx': number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt;
}
const DURATION = Number(arg('duration', '10'));
const CONNECTIONS = Number(arg('connections', '50'));
const RUNS = Number(arg('runs', '10000'));
const LOADS = Number(arg('loads', '5'));
const ONLY = arg('only', 'all');
const CHROMIUM = '/usr/bin/chromium';

const TINY = 'name: tiny\ntasks:\n  t:\n    fn: noop\n';
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const f1 = (x: number) => x.toFixed(1);

async function listen(app: KairosServer): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

async function submitBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-bench-server-'));
  const app = await createServer({
    config: { stateDir: dir, logLevel: 'silent', rateLimit: { max: 0, windowMs: 60_000 }, concurrency: 64 },
    functions: new Map([['noop', () => ({ ok: true })]]),
  });
  try {
    const base = await listen(app);
    const reg = await fetch(`${base}/workflows`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: TINY });
    if (reg.status !== 201) throw new Error(`register: ${reg.status} ${await reg.text()}`);
    const body = JSON.stringify({ workflow: 'tiny' });
    // Warm-up (JIT, SQLite page cache): 2 s, not reported.
    await autocannon({ url: `${base}/runs`, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections: CONNECTIONS, duration: 2 });
    const before = (await app.kairos.store.listRuns({ limit: 1_000_000 })).length;
    const r = await autocannon({ url: `${base}/runs`, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections: CONNECTIONS, duration: DURATION });
    // Let the engine finish what was submitted (bounded: 60 s).
    const t0 = Date.now();
    while (app.kairos.engine.runs.size > 0 && Date.now() - t0 < 60_000) await new Promise((res) => setTimeout(res, 100));
    const drainMs = Date.now() - t0;
    const all = await app.kairos.store.listRuns({ limit: 1_000_000 });
    const succeeded = all.filter((x) => x.state === 'succeeded').length;
    console.log(`\n## submit: POST /runs, ${CONNECTIONS} connections, ${DURATION} s (after a 2 s warm-up), ${cpus().length} CPUs`);
    console.log(`requests/s (mean)   ${f1(r.requests.average)}`);
    console.log(`requests total      ${r.requests.total}  (2xx ${r['2xx']}, non-2xx ${r.non2xx}, errors ${r.errors}, timeouts ${r.timeouts})`);
    console.log(`latency ms          p50 ${r.latency.p50}  p90 ${r.latency.p90}  p99 ${r.latency.p99}  mean ${f1(r.latency.average)}  max ${r.latency.max}`);
    console.log(`runs stored         ${all.length - before} in the timed window; ${succeeded}/${all.length} of all succeeded; engine drained ${drainMs} ms after the load stopped`);
    console.log(`RESULT_SUBMIT ${JSON.stringify({ rps: r.requests.average, total: r.requests.total, non2xx: r.non2xx, errors: r.errors, p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max, drainMs })}`);
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function seed(store: SqliteStore, spec: RunRow['spec'], n: number): Promise<number> {
  const t0 = performance.now();
  const start = Date.now() - n * 1000;
  const states: RunRow['state'][] = ['succeeded', 'succeeded', 'succeeded', 'failed', 'cancelled'];
  for (let i = 0; i < n; i += 1000) {
    const b = emptyBatch();
    for (let j = i; j < Math.min(n, i + 1000); j++) {
      const created = start + j * 1000;
      const state = states[j % states.length]!;
      const id = `seed${String(j).padStart(6, '0')}`;
      const run: RunRow = {
        id, workflow: spec.name, namespace: 'default', priority: [10, 50, 90][j % 3]!, state, params: {}, spec,
        labels: { team: ['data', 'ml', 'web'][j % 3]!, batch: String(Math.floor(j / 100)) }, createdAt: created, startedAt: created,
        finishedAt: created + 500, deadlineAt: null, error: state === 'failed' ? 'task t failed: exit 1' : null, owner: null, ownerSeenAt: null, paused: false,
      };
      const task: TaskRow = {
        runId: id, taskId: 't', specId: 't', itemIndex: null, item: null, state: state === 'cancelled' ? 'cancelled' : state, attempt: 1,
        readyAt: created, startedAt: created, finishedAt: created + 500, retryAt: null, worker: 'local', outputs: null,
        error: run.error, reason: null, doneSeq: j,
      };
      b.newRuns.push(run);
      b.newTasks.push(task);
    }
    await store.commit(b);
  }
  return performance.now() - t0;
}

async function pageBench(): Promise<void> {
  if (!existsSync(join(DASHBOARD_DIST, 'index.html'))) {
    const r = spawnSync('npm', ['run', 'build:web'], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('npm run build:web failed');
  }
  const dir = mkdtempSync(join(tmpdir(), 'kairos-bench-page-'));
  const profile = mkdtempSync(join(tmpdir(), 'kairos-bench-chromium-'));
  const store = new SqliteStore(join(dir, 'kairos.db'));
  const app = await createServer({ store, config: { stateDir: dir, logLevel: 'silent', rateLimit: { max: 0, windowMs: 60_000 } }, functions: new Map([['noop', () => null]]) });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  try {
    const base = await listen(app);
    const reg = await fetch(`${base}/workflows`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: TINY });
    if (reg.status !== 201) throw new Error(`register: ${reg.status}`);
    const spec = (await store.getWorkflow('tiny'))!.spec;
    const seedMs = await seed(store, spec, RUNS);
    const stored = (await store.listRuns({ limit: RUNS + 10 })).length;
    console.log(`\n## runs page: ${stored} stored runs (seeded through Store.commit in ${Math.round(seedMs)} ms)`);

    // The API call the page makes, server-side (warm), 20 times.
    const api: number[] = [];
    for (let i = 0; i < 21; i++) {
      const t = performance.now();
      const res = await fetch(`${base}/runs?limit=200`);
      await res.arrayBuffer();
      if (i > 0) api.push(performance.now() - t);
    }
    const unbounded: number[] = [];
    for (let i = 0; i < 6; i++) {
      const t = performance.now();
      const res = await fetch(`${base}/runs?limit=1000`);
      await res.arrayBuffer();
      if (i > 0) unbounded.push(performance.now() - t);
    }
    const searchMs: number[] = [];
    for (let i = 0; i < 6; i++) {
      const t = performance.now();
      await (await fetch(`${base}/runs?limit=200&search=seed00999`)).arrayBuffer();
      if (i > 0) searchMs.push(performance.now() - t);
    }
    console.log(`GET /runs?limit=200   median ${f1(median(api))} ms, p90 ${f1(pct(api, 90))} ms (20 calls)`);
    console.log(`GET /runs?limit=1000  median ${f1(median(unbounded))} ms (5 calls; the API maximum)`);
    console.log(`GET /runs?search=...  median ${f1(median(searchMs))} ms (5 calls; LIKE over 10,000 rows)`);

    const loads: { firstRow: number; rows: number; dcl: number }[] = [];
    for (let i = 0; i < LOADS + 1; i++) {
      const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      const page = await ctx.newPage();
      await page.addInitScript(() => {
        const w = window as any;
        w.__firstRow = null;
        const mo = new MutationObserver(() => {
          if (w.__firstRow === null && document.querySelector('tr[data-run-id]')) {
            w.__firstRow = performance.now();
            mo.disconnect();
          }
        });
        mo.observe(document, { childList: true, subtree: true });
      });
      await page.goto(base + '/', { timeout: 60_000 });
      await page.waitForSelector('tr[data-run-id]', { timeout: 60_000 });
      const m = await page.evaluate(() => ({
        firstRow: (window as any).__firstRow as number,
        rows: document.querySelectorAll('tr[data-run-id]').length as number,
        dcl: ((performance as any).getEntriesByType('navigation')[0] as any)?.domContentLoadedEventEnd as number,
      }));
      if (i > 0) loads.push(m); // load 0 warms the server's static file cache and the browser
      await ctx.close();
    }
    const fr = loads.map((l) => l.firstRow);
    console.log(`first render (navigation -> first run row): median ${f1(median(fr))} ms over ${loads.length} loads [${fr.map(f1).join(', ')}] (1 warm-up load not counted)`);
    console.log(`DOMContentLoaded median ${f1(median(loads.map((l) => l.dcl)))} ms; rows rendered ${loads[0]?.rows}`);
    console.log(`RESULT_PAGE ${JSON.stringify({ runs: stored, seedMs, apiMedian: median(api), apiP90: pct(api, 90), api1000: median(unbounded), search: median(searchMs), firstRow: fr, firstRowMedian: median(fr), rows: loads[0]?.rows })}`);
  } finally {
    await browser.close().catch(() => {});
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  }
}

const deadline = setTimeout(() => {
  console.error('bench/server: over 5 minutes; giving up');
  process.exit(2);
}, 5 * 60_000);
deadline.unref();
if (ONLY === 'all' || ONLY === 'submit') await submitBench();
if (ONLY === 'all' || ONLY === 'page') await pageBench();
process.exit(0);
