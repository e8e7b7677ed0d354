// Golden digests of the runtime learning path: seeded random observe/predict/cv/snapshot
// sequences through LruMap, RuntimePredictor and the engine's RuntimeEstimates, every answer and
// every toJSON() snapshot hashed. The expected digests were recorded with the code before the
// 2026-11-24 CPU work (estimator recycling, one-lookup upsert, selection instead of a sort in
// eviction, ...): those changes must not move any prediction, snapshot or eviction by one bit.
// A mismatch means a result changed; print the stream of the failing scenario (DUMP=1) from
// this file and from the old code (git show HEAD~N:...) and diff them to find the first step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { SeededRng } from '../../src/core/clock.js';
import { LruMap } from '../../src/learn/lru-map.js';
import { RuntimePredictor, type RuntimePredictorOptions, type RuntimeFeatures } from '../../src/learn/runtime-predictor.js';
import { RuntimeEstimates } from '../../src/engine/runtime-estimates.js';
import { RuntimeEstimator } from '../../src/learn/runtime-estimator.js';

class Digest {
  readonly #h = createHash('sha256');
  readonly #dump = process.env.DUMP === '1';
  add(what: string, v: unknown): void {
    const line = `${what} ${JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : Object.is(x, -0) ? '-0' : x))}\n`;
    if (this.#dump) process.stdout.write(line);
    this.#h.update(line);
  }
  get hex(): string {
    return this.#h.digest('hex');
  }
}

function lruScenario(capacity: number, seed: number): string {
  const rng = new SeededRng(seed);
  const d = new Digest();
  const m = new LruMap<string, number>(capacity);
  const keys = Array.from({ length: capacity * 3 + 2 }, (_, i) => `k${i}`);
  for (let i = 0; i < 3000; i++) {
    const k = keys[rng.int(keys.length)]!;
    const r = rng.next();
    if (r < 0.45) m.set(k, i);
    else if (r < 0.75) d.add('get', m.get(k) ?? null);
    else if (r < 0.9) d.add('peek', m.peek(k) ?? null);
    else d.add('has', m.has(k));
    if (i % 37 === 0) d.add('state', { size: m.size, evicted: m.evicted, entries: [...m.entries()] });
  }
  d.add('end', { size: m.size, evicted: m.evicted, entries: [...m.entries()] });
  return d.hex;
}

const RUNTIMES = [0, 0.3, 1, 5, 12.5, 100, 250, 1e4, 3.6e6, 1e13];
const FEATURE_NAMES = ['inputBytes', 'rows', 'files', 'shards', 'extra'];

function signaturePool(rng: SeededRng, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const depth = 1 + rng.int(6);
    const parts = Array.from({ length: depth }, () => `p${rng.int(3)}`);
    parts.push(`t${i}`);
    out.push(parts.join('/') + (rng.next() < 0.1 ? '/' : ''));
  }
  out.push('', 'x'.repeat(1025), 'solo');
  return out;
}

function runtimeOf(rng: SeededRng): number {
  const r = rng.next();
  if (r < 0.03) return [-1, NaN, Infinity, 1e14][rng.int(4)]!;
  if (r < 0.3) return RUNTIMES[rng.int(RUNTIMES.length)]!;
  return Math.exp(rng.next() * 12 - 2); // ~0.14 ms .. ~22 s
}

function featuresOf(rng: SeededRng): RuntimeFeatures | undefined {
  if (rng.next() < 0.6) return undefined;
  const f: Record<string, number> = {};
  for (const n of FEATURE_NAMES) if (rng.next() < 0.5) f[n] = rng.next() < 0.05 ? -3 : Math.floor(rng.next() * 1e6);
  return f;
}

function predictorScenario(options: RuntimePredictorOptions, seed: number, steps: number, poolSize: number): string {
  const rng = new SeededRng(seed);
  const d = new Digest();
  const pool = signaturePool(rng, poolSize);
  let p = new RuntimePredictor(options);
  let at = 1_700_000_000_000;
  for (let i = 0; i < steps; i++) {
    const sig = pool[rng.int(pool.length)]!;
    at += rng.next() < 0.02 ? rng.next() * 30 * 24 * 3600 * 1000 : rng.next() * 2000; // jumps rescale by time
    const r = rng.next();
    if (r < 0.6) {
      // Runtimes that follow a feature most of the time, so the regressions get used.
      const f = featuresOf(rng);
      const ms = f?.inputBytes !== undefined && f.inputBytes > 0 && rng.next() < 0.8 ? f.inputBytes * 0.01 * Math.exp(rng.next() * 0.2) : runtimeOf(rng);
      d.add('observe', p.observe(sig, ms, rng.next() < 0.01 ? NaN : at, f));
    }
    else if (r < 0.88) d.add('predict', p.predict(sig, featuresOf(rng)));
    else if (r < 0.94) d.add('cv', p.cv(sig));
    else if (r < 0.97) d.add('has', [p.has(sig), p.size, p.evicted]);
    else if (r < 0.985) d.add('snapshot', p.toJSON());
    else {
      // A round trip mid-stream (sometimes with a smaller cap): the restored predictor goes on.
      const j = JSON.parse(JSON.stringify(p.toJSON()));
      const shrink = rng.next() < 0.3 ? { maxSignatures: Math.max(1, Math.floor(p.options.maxSignatures / 2)) } : {};
      p = RuntimePredictor.fromJSON(j, shrink);
      d.add('restored', [p.size, p.toJSON()]);
    }
  }
  d.add('end', [p.size, p.evicted, p.toJSON(), p.calibration.factors('signature'), p.calibration.factors('prefix'), p.calibration.factors('global')]);
  return d.hex;
}

/** The engine's pattern on the issue-2 benchmark: distinct task ids cycling through the LRU. */
function engineScenario(distinct: number, rounds: number, seed: number): string {
  const rng = new SeededRng(seed);
  const d = new Digest();
  const e = new RuntimeEstimates(null);
  let now = 1_700_000_000_000;
  for (let round = 0; round < rounds; round++) {
    const wf = `default/bench-${round % 2}/`;
    for (let i = 0; i < distinct; i++) {
      now += rng.next() * 0.2;
      const v = e.lookup(`${wf}t${i}`, now);
      if (i % 97 === 0) d.add('lookup', [v.value, v.cv]);
    }
    for (let i = 0; i < distinct; i++) {
      now += rng.next() * 0.2;
      e.observe(`${wf}t${i}`, rng.next() < 0.5 ? 0 : rng.next() * 3, now);
      if (i % 89 === 0) {
        const v = e.lookup(`${wf}t${(i * 7) % distinct}`, now);
        d.add('lookup', [v.value, v.cv]);
      }
    }
    d.add('round', [e.predictor.size, e.predictor.evicted]);
  }
  d.add('end', e.predictor.toJSON());
  return d.hex;
}

// Recorded with the code before the change (see the header).
const EXPECTED = {
  lru: [
    '906644f279b051475491388424461b999a4a940e7c3d6eeba65f0f005e47b13f',
    '0cae5432d4568651a000c55079cdd5f6bc8d6709ca10e53790a40e7d878e1bec',
    '1f4af021b357ea3ca121411f2a46f4125578d7393469bbfa69ae233e63d6703f',
    'a45582339b8b6fd574e51cfca8ebaa04cc576811a19c9d5e9756bce70146e50a',
    '202b03a8b75365ea555dd0f5687321716b20307bb4482644f40a7ab92624ca98',
  ],
  small: '32ffc82098aedaf19e684960a71bc14c8c0f5053b80ecce868e162900a168250',
  tiny: '6d7b8a0f9beac1fe3e31366c7b8b5cb8a9e44c31154c4e987043c2defa0422fe',
  defaults: '715ae01fef0683e194bcad44991b68e5f14b972a08c47b3982853074f182c90b',
  noCalibration: 'bc06e405d4e3162ef0a854a0418d554b96569ade7559ce5d2050c097a00dd120',
  engine: '095bc3ba4bc0e45b921f3468c9f61827d5541fd096c304baf3ebff09597d99e3',
};

const predictors = () => ({
  small: predictorScenario({ maxSignatures: 7, maxPrefixes: 3, halfLifeObservations: 4, halfLifeMs: 3600_000 }, 11, 6000, 40),
  tiny: predictorScenario({ maxSignatures: 1, maxPrefixes: 1, halfLifeObservations: 2, minPrefixCount: 0, minRegressionCount: 2, minRegressionR2: 0.1 }, 12, 3000, 12),
  defaults: predictorScenario({ maxSignatures: 30, maxPrefixes: 12 }, 13, 6000, 80),
  noCalibration: predictorScenario({ maxSignatures: 50, maxPrefixes: 20, calibrationRate: 0, halfLifeMs: Infinity, halfLifeObservations: Infinity }, 14, 4000, 120),
});
const actual = () => ({
  lru: [lruScenario(1, 1), lruScenario(3, 2), lruScenario(10, 3), lruScenario(25, 4), lruScenario(100, 5)],
  ...predictors(),
  engine: engineScenario(12_000, 3, 15),
});

if (process.env.RECORD === '1') {
  test('record', () => console.log(JSON.stringify(actual(), null, 2)));
} else {
  test('LruMap: get/set/peek/has answers and eviction order are unchanged', () => {
    assert.deepEqual([lruScenario(1, 1), lruScenario(3, 2), lruScenario(10, 3), lruScenario(25, 4), lruScenario(100, 5)], EXPECTED.lru);
  });
  test('RuntimePredictor: predictions, cv, snapshots, round trips unchanged (tiny caps, fast decay)', () => {
    const a = predictors();
    assert.equal(a.small, EXPECTED.small, 'small');
    assert.equal(a.tiny, EXPECTED.tiny, 'tiny');
    assert.equal(a.defaults, EXPECTED.defaults, 'defaults');
    assert.equal(a.noCalibration, EXPECTED.noCalibration, 'noCalibration');
  });
  test('RuntimeEstimates: the engine pattern (distinct ids through the LRU) unchanged', () => {
    assert.equal(engineScenario(12_000, 3, 15), EXPECTED.engine);
  });
}

test('LruMap recycle: getOrInsert is handed the evicted values, least recently used first', () => {
  const m = new LruMap<string, { n: number }>(10, { recycle: true });
  const made: { n: number }[] = [];
  for (let i = 0; i < 10; i++) m.getOrInsert(`k${i}`, (r) => (assert.equal(r, undefined), made[i] = { n: i }));
  m.get('k0'); // k1 is now the least recently used
  const got = m.getOrInsert('k10', (r) => (assert.equal(r, made[1]), { n: 10 }));
  assert.equal(got.n, 10);
  assert.deepEqual([...m.entries()].map(([k]) => k), ['k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9', 'k0', 'k10']);
  assert.equal(m.evicted, 1);
  assert.equal(m.getOrInsert('k0', () => assert.fail('k0 is present')), made[0]);
  // Without recycle nothing is handed back.
  const plain = new LruMap<string, number>(1);
  plain.set('a', 1);
  plain.getOrInsert('b', (r) => (assert.equal(r, undefined), 2));
  assert.deepEqual([...plain.entries()], [['b', 2]]);
});

test('RuntimeEstimator.reset: the state and every later answer of a new estimator', () => {
  const cfg = { halfLifeObservations: 3, halfLifeMs: 1000, minRegressionCount: 1, minRegressionR2: 0 };
  const used = new RuntimeEstimator();
  const rng = new SeededRng(7);
  for (let i = 0; i < 300; i++) used.observe(rng.next() * 1e4, i * 37, cfg, { inputBytes: rng.next() * 1e6, rows: i });
  used.reset();
  const fresh = new RuntimeEstimator();
  assert.deepEqual(used.toJSON(), fresh.toJSON());
  assert.equal(used.estimate(cfg), null);
  for (let i = 0; i < 50; i++) {
    const x = rng.next() < 0.5 ? 0.25 : rng.next() * 500;
    const f = { inputBytes: x * 3 };
    used.observe(x, 1e6 + i, cfg, f);
    fresh.observe(x, 1e6 + i, cfg, f);
    assert.deepEqual(used.estimate(cfg, f), fresh.estimate(cfg, f));
    assert.equal(used.cv, fresh.cv);
  }
  assert.deepEqual(used.toJSON(), fresh.toJSON());
});
