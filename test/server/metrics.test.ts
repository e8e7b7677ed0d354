import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { API_ERRORS } from '../../src/server/errors.js';
import { HELLO, testServer } from './helpers.js';

const REQUIRED = [
  'kairos_queue_depth', 'kairos_queue_wait_seconds', 'kairos_tasks_running', 'kairos_resource_allocated', 'kairos_resource_capacity',
  'kairos_task_duration_seconds', 'kairos_task_outcomes_total', 'kairos_task_retries_total', 'kairos_deadline_misses_total',
  'kairos_scheduler_decision_seconds', 'kairos_scheduler_policy',
];

/** Metric families named in `# TYPE` lines, plus the sample names they expose. */
function exported(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(m[1]!);
    if (m[2] === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m[1]! + s);
  }
  return names;
}

async function scrapeAfterARun(): Promise<string> {
  const s = await testServer();
  try {
    await s.call('POST', '/workflows', { body: { source: HELLO } });
    const id = (await s.call('POST', '/runs', { body: { workflow: 'hello' } })).body.id;
    await s.app.kairos.engine.wait(id);
    const m = await s.call('GET', '/metrics');
    assert.equal(m.status, 200);
    assert.match(String(m.res.headers['content-type']), /text\/plain/);
    return m.body;
  } finally {
    await s.close();
  }
}

test('metrics: /metrics exports every documented name, fed by engine events', async () => {
  const text = await scrapeAfterARun();
  const names = exported(text);
  for (const n of REQUIRED) assert.ok(names.has(n), `missing ${n}`);
  assert.match(text, /kairos_task_outcomes_total\{outcome="succeeded",workflow="hello"\} 2/);
  assert.match(text, /kairos_task_duration_seconds_count\{workflow="hello"\} 2/);
  assert.match(text, /kairos_queue_wait_seconds_count\{priority="50",namespace="default"\} 2/);
  assert.match(text, /kairos_scheduler_policy\{policy="priority"\} 1/);
  assert.match(text, /kairos_scheduler_decision_seconds_count [1-9]/);
});

test('metrics: every metric the Grafana dashboard queries is exported', async () => {
  const names = exported(await scrapeAfterARun());
  const dashboard = JSON.parse(readFileSync('deploy/grafana/kairos.json', 'utf8'));
  const exprs: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) (k === 'expr' && typeof x === 'string' ? exprs.push(x) : walk(x));
  };
  walk(dashboard);
  assert.ok(exprs.length >= 10, 'the dashboard has queries');
  const queried = new Set(exprs.flatMap((e) => [...e.matchAll(/\bkairos_[a-z_]+/g)].map((m) => m[0])));
  for (const n of queried) assert.ok(names.has(n), `dashboard queries ${n}, which /metrics does not export`);
});

test('errors: every code of the catalogue is documented in docs/api.md', () => {
  const doc = readFileSync('docs/api.md', 'utf8');
  for (const code of Object.keys(API_ERRORS)) assert.ok(doc.includes(`\`${code}\``), `docs/api.md does not document ${code}`);
});

test('docs: /docs/json is an OpenAPI document listing every endpoint', async () => {
  const s = await testServer();
  try {
    const r = await s.call('GET', '/docs/json');
    assert.equal(r.status, 200);
    const doc = typeof r.body === 'string' ? JSON.parse(r.body) : r.body;
    assert.match(doc.openapi, /^3\./);
    for (const p of ['/workflows', '/runs', '/runs/{id}', '/runs/{id}/cancel', '/runs/{id}/retry', '/runs/{id}/tasks/{task}/logs', '/queues', '/workers', '/policy', '/events']) {
      assert.ok(doc.paths[p], `OpenAPI lacks ${p}`);
    }
    assert.ok(doc.paths['/runs'].post.requestBody, 'request bodies come from the validation schemas');
  } finally {
    await s.close();
  }
});
