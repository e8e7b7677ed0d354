/**
 * The web dashboard in a real headless Chromium (Debian's `chromium`, driven by playwright-core;
 * no browser is downloaded) against a real server on a free port with a temporary state folder
 * and real shell tasks. Screenshots are test artifacts, saved on every run (not only on failure)
 * to $KAIROS_SCREENSHOTS or `test-artifacts/screenshots/` at the repo root (git-ignored; the
 * folder is printed as a test diagnostic). No timing assertions: every wait is for a selector or a
 * condition, with generous timeouts.
 *
 * Needs web/dist: `npm install` builds it (prepare -> build -> build:web); built here if missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createServer, type KairosServer } from '../../src/server/app.js';
import { DASHBOARD_DIST } from '../../src/server/dashboard.js';
import { createToken } from '../../src/server/tokens.js';

// Globals of the page, for the functions passed to page.evaluate / waitForFunction (run in the
// browser; this project's tsconfig has no DOM lib).
declare const window: any;
declare const document: any;
declare const location: any;

const CHROMIUM = '/usr/bin/chromium';
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCREENSHOTS = process.env.KAIROS_SCREENSHOTS ?? join(REPO_ROOT, 'test-artifacts', 'screenshots');
const WAIT = { timeout: 30_000 };

const ETL = `name: etl
labels: { team: data }
defaults: { resources: { cpu: 500m } }
tasks:
  extract:
    run: "echo extracting; sleep 1; echo rows=42"
  clean:
    needs: [extract]
    run: echo cleaning
  enrich:
    needs: [extract]
    run: echo enriching
  load:
    needs: [clean, enrich]
    run: echo loaded-into-warehouse
`;

/**
 * On a worker of 2 cores with strict admission: big-a takes the worker, big-b (the queue head)
 * waits for CPU, small waits behind the blocked head, report waits for its dependency.
 */
const HOG = `name: hog
tasks:
  big-a: { run: sleep 5, resources: { cpu: 2 } }
  big-b: { run: sleep 5, resources: { cpu: 2 } }
  small: { run: sleep 1, resources: { cpu: 1 } }
  report: { needs: [big-a], run: echo done }
`;

/** Long enough to click Pause while `first` runs; `second` is then held by the pause. */
const PAUSABLE = `name: pausable
tasks:
  first:
    run: "sleep 2; echo first-done"
  second:
    needs: [first]
    run: echo second-done
`;

const noChromium = !existsSync(CHROMIUM) && !process.env.CI;

test('dashboard: runs list live, run page (DAG, Gantt, logs), queues with wait reasons, metrics, policy switch, token login', { skip: noChromium && `${CHROMIUM} is missing: apt-get install chromium`, timeout: 120_000 }, async (t) => {
  if (!existsSync(join(DASHBOARD_DIST, 'index.html'))) {
    const r = spawnSync('npm', ['run', 'build:web'], { stdio: 'inherit' });
    assert.equal(r.status, 0, 'npm run build:web');
  }
  const dir = mkdtempSync(join(tmpdir(), 'kairos-web-'));
  const shots = SCREENSHOTS;
  mkdirSync(shots, { recursive: true });
  t.diagnostic(`screenshots: ${shots}`);

  // The latest bench report, written the documented way: `kairos bench --json > <state>/bench.json`.
  const bench = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'bench', '--workload', 'tpch', '--jobs', '10', '--seeds', '1', '--policies', 'fifo,priority,sjf', '--json', '--quiet'], { encoding: 'utf8' });
  assert.equal(bench.status, 0, bench.stderr);
  writeFileSync(join(dir, 'bench.json'), bench.stdout);

  const app: KairosServer = await createServer({
    config: { stateDir: dir, logLevel: 'silent', scheduler: { policy: 'priority', admission: 'strict' } },
    engine: { killGraceMs: 300, capacity: { cpu: 2, memory: 8 * 2 ** 30 } },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const api = async (method: string, path: string, body?: unknown, token?: string) => {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(base + path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, body: (await res.json()) as any };
  };

  const profile = mkdtempSync(join(tmpdir(), 'kairos-chromium-'));
  let ctx: BrowserContext | undefined;
  let page: Page | undefined;
  try {
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1440, height: 900 },
    });
    page = ctx.pages()[0] ?? (await ctx.newPage());
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const shot = (name: string) => page!.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
    const go = (hash: string) => page!.evaluate((h) => { location.hash = h; }, hash);

    // --- Runs list: a run submitted after the page loaded appears and turns succeeded, live. ---
    await page.goto(base + '/');
    await page.waitForSelector('[data-page="runs"]', WAIT);
    await page.waitForSelector('.live[data-live="live"]', WAIT);
    await page.evaluate(() => { (window as any).__sameDocument = true; });
    assert.equal((await api('POST', '/workflows', { source: ETL })).status, 201);
    assert.equal((await api('POST', '/workflows', { source: HOG })).status, 201);
    assert.equal((await api('POST', '/workflows', { source: PAUSABLE })).status, 201);
    const run1 = (await api('POST', '/runs', { workflow: 'etl', labels: { ticket: 'DASH-1' } })).body.id as string;
    await page.waitForSelector(`tr[data-run-id="${run1}"]`, WAIT);
    await page.waitForSelector(`tr[data-run-id="${run1}"][data-state="succeeded"]`, WAIT);
    assert.equal(await page.evaluate(() => (window as any).__sameDocument), true, 'no reload happened');
    // Search and state filters.
    await page.fill('[data-filter="search"]', 'DASH');
    await page.waitForFunction(() => location.hash.includes('search=DASH'), null, WAIT);
    await page.waitForSelector(`tr[data-run-id="${run1}"]`, WAIT);
    await page.click('[data-filter-state="failed"]');
    await page.waitForSelector('[data-page="runs"] .empty', WAIT);
    await page.click('[data-filter-state="all"]');
    await page.waitForSelector(`tr[data-run-id="${run1}"]`, WAIT);
    await shot('runs');

    // --- Run page: open it while the run is in progress and watch the DAG turn green. ---
    const run2 = (await api('POST', '/runs', { workflow: 'etl' })).body.id as string;
    await go(`#/runs/${run2}`);
    await page.waitForSelector(`[data-page="run"][data-run-id="${run2}"]`, WAIT);
    await page.waitForSelector(`[data-page="run"][data-state="succeeded"]`, WAIT);
    await page.waitForFunction(() => document.querySelectorAll('.dag-node.state-succeeded').length === 4, null, WAIT);
    const nodes = await page.$$eval('.dag-node', (els) => els.map((e) => [e.getAttribute('data-task'), e.getAttribute('class')]));
    assert.deepEqual(nodes.map((n) => n[0]).sort(), ['clean', 'enrich', 'extract', 'load']);
    for (const [, cls] of nodes) assert.match(cls!, /\bstate-succeeded\b/);
    assert.equal(await page.$$eval('.dag-edge', (els) => els.length), 4);
    await page.waitForFunction(() => document.querySelectorAll('.gantt-bar').length >= 4, null, WAIT);
    await page.click('.dag-node[data-task="extract"]');
    await page.waitForFunction(() => /rows=42/.test(document.querySelector('pre.logs[data-task="extract"]')?.textContent ?? ''), null, WAIT);
    await page.click('.gantt-bar[data-task="load"]');
    await page.waitForFunction(() => /loaded-into-warehouse/.test(document.querySelector('pre.logs[data-task="load"]')?.textContent ?? ''), null, WAIT);
    await page.click('.dag-node[data-task="extract"]');
    await page.waitForFunction(() => /rows=42/.test(document.querySelector('pre.logs[data-task="extract"]')?.textContent ?? ''), null, WAIT);
    await shot('run');

    // --- Pause and resume from the run page: the queued task is held with a paused reason. ---
    const run3 = (await api('POST', '/runs', { workflow: 'pausable' })).body.id as string;
    await go(`#/runs/${run3}`);
    await page.waitForSelector(`[data-page="run"][data-run-id="${run3}"][data-state="running"] [data-action="pause"]`, WAIT);
    await page.click('[data-action="pause"]');
    await page.waitForSelector(`[data-page="run"][data-run-id="${run3}"][data-paused="true"] [data-run-paused]`, WAIT);
    await page.waitForSelector('[data-action="resume"]', WAIT);
    assert.equal((await api('GET', `/runs/${run3}`)).body.run.paused, true);
    // The queues page says why `second` waits (once `first` is done, it is held by the pause).
    await go('#/queues');
    await page.waitForSelector(`tr[data-run="${run3}"][data-task="second"][data-reason="paused"]`, WAIT);
    assert.match((await page.textContent(`tr[data-run="${run3}"][data-task="second"] .reason`)) ?? '', /run is paused/);
    await shot('queues-paused');
    // The system-wide toggle (the server is open here: every caller is an unscoped admin).
    await page.click('[data-action="system-pause"]');
    await page.waitForSelector('[data-system-paused]', WAIT);
    await page.waitForSelector(`tr[data-run="${run3}"][data-task="second"][data-reason="paused"]`, WAIT);
    assert.equal((await api('GET', '/system')).body.paused, true);
    await shot('queues-system-paused');
    await page.click('[data-action="system-resume"]');
    await page.waitForSelector('[data-system="running"]', WAIT);
    assert.equal((await api('GET', '/system')).body.paused, false);
    // Back on the run page: still paused until Resume; then it completes.
    await go(`#/runs/${run3}`);
    await page.waitForSelector(`[data-page="run"][data-run-id="${run3}"][data-paused="true"]`, WAIT);
    assert.equal((await api('GET', `/runs/${run3}`)).body.run.state, 'running');
    await shot('run-paused');
    await page.click('[data-action="resume"]');
    await page.waitForSelector(`[data-page="run"][data-run-id="${run3}"][data-paused="false"]`, WAIT);
    await page.waitForSelector(`[data-page="run"][data-run-id="${run3}"][data-state="succeeded"]`, WAIT);
    await page.waitForFunction(() => document.querySelectorAll('.dag-node.state-succeeded').length === 2, null, WAIT);

    // --- Queues: one hog task waits for CPU while the other holds the worker. ---
    const hog = (await api('POST', '/runs', { workflow: 'hog' })).body.id as string;
    await go('#/queues');
    await page.waitForSelector(`[data-page="queues"] tr[data-run="${hog}"][data-task="big-b"][data-reason="resources"]`, WAIT);
    const why = await page.textContent(`tr[data-run="${hog}"][data-task="big-b"] .reason`);
    assert.match(why ?? '', /CPU/);
    assert.match(why ?? '', /not enough cpu/);
    await page.waitForSelector(`tr[data-run="${hog}"][data-task="small"][data-reason="head_of_line"]`, WAIT);
    await page.waitForSelector(`tr[data-run="${hog}"][data-task="report"][data-reason="dependency"]`, WAIT);
    await page.waitForSelector('tr[data-worker] .use-fill.hot', WAIT);
    // Strict admission: the blocked head, with its timeout.
    await page.waitForSelector(`[data-head-timeouts] tr[data-head="big-b"][data-run="${hog}"]`, WAIT);
    await shot('queues');

    // --- The hog run's page while it runs, then cancelled: the DAG follows without reload. ---
    await page.click(`tr[data-run="${hog}"][data-task="big-b"] td:nth-child(1) a`);
    await page.waitForSelector(`[data-page="run"][data-run-id="${hog}"] .dag-node.state-running[data-task="big-a"]`, WAIT);
    await page.waitForSelector('.gantt-bar.running[data-task="big-a"]', WAIT);
    await page.waitForSelector('.task-panel[data-task="big-b"] .reason-resources', WAIT);
    await shot('run-live');
    assert.equal((await api('POST', `/runs/${hog}/cancel`)).status, 200);
    await page.waitForSelector(`[data-page="run"][data-run-id="${hog}"][data-state="cancelled"]`, WAIT);
    await page.waitForSelector('.dag-node.state-cancelled[data-task="big-b"]', WAIT);

    // --- Metrics charts. ---
    await go('#/metrics');
    await page.waitForSelector('[data-chart="throughput"] canvas', WAIT);
    await page.waitForSelector('[data-chart="wait"] canvas', WAIT);
    await page.waitForSelector('[data-chart="utilization"] canvas', WAIT);
    await shot('metrics');

    // --- Policy: switch it; the API confirms. The bench report is drawn. ---
    await go('#/policy');
    await page.waitForSelector('[data-current-policy="priority"]', WAIT);
    await page.waitForSelector('[data-bench="report"] [data-bench-metric="avgJct"] canvas', WAIT);
    await page.selectOption('select[name="policy"]', 'fifo');
    await page.click('[data-action="switch-policy"]');
    await page.waitForSelector('.policy-msg[data-ok="true"]', WAIT);
    await page.waitForSelector('[data-current-policy="fifo"]', WAIT);
    assert.equal((await api('GET', '/policy')).body.policy, 'fifo');
    await shot('policy');

    // --- Auth on: login with a viewer token; runs are visible; the policy switch is refused. ---
    const admin = (await createToken(app.kairos.store, { role: 'admin' })).token;
    const viewer = (await createToken(app.kairos.store, { role: 'viewer' })).token;
    await page.goto(base + '/');
    await page.waitForSelector('[data-page="login"]', WAIT);
    await page.fill('input[name="token"]', 'kairos_not-a-token');
    await page.click('[data-page="login"] button[type="submit"]');
    await page.waitForSelector('[data-page="login"] .error', WAIT);
    await shot('login');
    await page.fill('input[name="token"]', viewer);
    await page.click('[data-page="login"] button[type="submit"]');
    await page.waitForSelector(`tr[data-run-id="${run1}"]`, WAIT);
    await page.waitForSelector('.live[data-live="live"]', WAIT);
    await page.waitForSelector(`tr[data-run-id="${hog}"][data-state="cancelled"]`, WAIT);
    await shot('runs-viewer');
    await go('#/policy');
    await page.waitForSelector('[data-current-policy="fifo"]', WAIT);
    await page.selectOption('select[name="policy"]', 'priority');
    await page.click('[data-action="switch-policy"]');
    await page.waitForSelector('.policy-msg[data-ok="false"]', WAIT);
    assert.match((await page.textContent('.policy-msg')) ?? '', /viewer token cannot switch/);
    await shot('policy-viewer');
    assert.equal((await api('GET', '/policy', undefined, admin)).body.policy, 'fifo');
    assert.equal((await api('GET', '/policy')).status, 401);

    // The page, its assets and the 503 page need no token; the API does.
    assert.equal((await fetch(base + '/')).status, 200);
    assert.deepEqual(errors, [], 'no uncaught error in the page');
  } catch (e) {
    await page?.screenshot({ path: join(shots, 'failure.png'), fullPage: true }).catch(() => {});
    throw e;
  } finally {
    await ctx?.close().catch(() => {});
    await app.close();
    rmSync(profile, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dashboard: without web/dist, / answers a 503 page that says to run npm run build:web', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-web-'));
  const app = await createServer({ config: { stateDir: dir, logLevel: 'silent' } });
  // The dashboard plugin with a folder that has no build: the same code path as a fresh checkout.
  const { dashboardRoutes } = await import('../../src/server/dashboard.js');
  try {
    await app.register(async (child) => dashboardRoutes(child, { dist: join(dir, 'no-dist') }), { prefix: '/nodist' });
    await app.ready();
    const res = await app.inject({ method: 'GET', url: '/nodist/' });
    assert.equal(res.statusCode, 503);
    assert.match(res.headers['content-type'] as string, /text\/html/);
    assert.match(res.body, /npm run build:web/);
    const bench = await app.inject({ method: 'GET', url: '/bench/latest' });
    assert.equal(bench.statusCode, 200);
    assert.equal(JSON.parse(bench.body).report, null);
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dashboard: the Tuning page shows each tuner\'s state, the shares chart and the decisions with their reasons', { skip: noChromium && `${CHROMIUM} is missing: apt-get install chromium`, timeout: 120_000 }, async (t) => {
  if (!existsSync(join(DASHBOARD_DIST, 'index.html'))) {
    const r = spawnSync('npm', ['run', 'build:web'], { stdio: 'inherit' });
    assert.equal(r.status, 0, 'npm run build:web');
  }
  const { contendedHistory, tempDir, writeHistory } = await import('../engine/whatif-fixture.js');
  const dir = tempDir();
  mkdirSync(SCREENSHOTS, { recursive: true });
  t.diagnostic(`screenshots: ${SCREENSHOTS}`);
  // A recorded history where SJF would have done much better (see test/engine/whatif-fixture.ts).
  await (await writeHistory(dir, contendedHistory(Date.now() - 30 * 60_000))).close();
  const app: KairosServer = await createServer({
    config: {
      stateDir: dir, logLevel: 'silent', scheduler: { policy: 'wrr', settings: { shares: { high: 0.5, normal: 0.5 } } },
      autoShares: { objectives: { high: '1s' }, window: '2s', minSamples: 3 },
      whatIfAuto: { every: '1h', since: '2h', policies: ['sjf'], minRuns: 5, windows: 1, maxCalibrationError: 10 },
    },
    engine: { killGraceMs: 300, capacity: { cpu: 1, memory: 8 * 2 ** 30 } },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const profile = mkdtempSync(join(tmpdir(), 'kairos-chromium-'));
  let ctx: BrowserContext | undefined;
  let page: Page | undefined;
  try {
    // High and normal priority work on one core under 50/50 shares: high's waits pass its 1 s
    // objective within the first 2 s window, and the share tuner moves share to it.
    const many = (name: string, priority: string) => `name: ${name}\npriority: ${priority}\ntasks:\n` + Array.from({ length: 12 }, (_, i) => `  t${i}: { run: sleep 0.2 }`).join('\n') + '\n';
    for (const [name, priority] of [['urgent', 'high'], ['batch', 'normal']] as const) {
      await fetch(base + '/workflows', { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: many(name, priority) });
      await fetch(base + '/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ workflow: name }) });
    }
    const engine = app.kairos.engine;
    for (let i = 0; i < 600 && !engine.selfTuning.log.recent().some((d) => d.tuner === 'shares'); i++) await new Promise((r) => setTimeout(r, 100));
    // The what-if auto mode, evaluated now rather than on its hourly timer: it switches to SJF.
    const auto = engine.selfTuning.policy as unknown as { evaluate(): Promise<unknown> };
    await auto.evaluate();

    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1440, height: 900 },
    });
    page = ctx.pages()[0] ?? (await ctx.newPage());
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(base + '/#/tuning');
    await page.waitForSelector('[data-page="tuning"] [data-tuner="shares"] [data-enabled="true"]', WAIT);
    await page.waitForSelector('[data-tuner="policy"] [data-value="policy"]', WAIT);
    assert.equal(await page.textContent('[data-tuner="policy"] [data-value="policy"]'), 'sjf');
    await page.waitForSelector('tr[data-decision="policy"] [data-reason]', WAIT);
    assert.match((await page.textContent('tr[data-decision="policy"] [data-reason]')) ?? '', /switch to sjf$/);
    await page.waitForSelector('tr[data-decision="shares"] [data-reason]', WAIT);
    assert.match((await page.textContent('tr[data-decision="shares"] [data-reason]')) ?? '', /^high p95 wait .* > objective 1\.0 s/);
    await page.waitForSelector('[data-chart="shares"] canvas', WAIT);
    await page.click('nav [data-nav="tuning"]');
    await page.screenshot({ path: join(SCREENSHOTS, 'tuning.png'), fullPage: true });
    assert.deepEqual(errors, [], 'no uncaught error in the page');
  } catch (e) {
    await page?.screenshot({ path: join(SCREENSHOTS, 'tuning-failure.png'), fullPage: true }).catch(() => {});
    throw e;
  } finally {
    await ctx?.close().catch(() => {});
    await app.close();
    rmSync(profile, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});
