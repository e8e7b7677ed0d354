/**
 * What the tuners' hooks cost on the engine's hot path: the same 20,000 independent no-op fn
 * tasks (bench/engine/shapes.ts) through an embedded engine whose store commits nothing (the
 * engine's own cost, as bench/engine/diagnose.ts `null`), with the tuners' hooks as shipped
 * (defaults: enqueue, dispatched and result hooks run for every task; breaker off) against the
 * same engine with the hooks replaced by identity functions. Alternating runs; medians.
 *
 *   node --import tsx bench/learn/tuners-overhead.ts [--size 20000] [--runs 5]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../src/engine/engine.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/types.js';
import { localExecutors } from '../../src/cli/runtime.js';
import { independent } from '../engine/shapes.js';

const args = process.argv.slice(2);
const arg = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const SIZE = arg('size', 20_000);
const RUNS = arg('runs', 5);

async function once(hooks: boolean): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-tuners-overhead-'));
  const real = new SqliteStore(join(dir, 'kairos.db'));
  const store = new Proxy(real, {
    get(target, p) {
      if (p === 'commit') return async () => undefined;
      const v = Reflect.get(target, p, target) as unknown;
      return typeof v === 'function' ? v.bind(target) : v;
    },
  }) as Store;
  const engine = new Engine({ store, stateDir: dir, executors: localExecutors(new Map([['noop', () => undefined]])), concurrency: 256, runtimeModel: null, tuners: { rightsizing: { model: null } } });
  if (!hooks) {
    const t = engine.tuners as unknown as Record<string, unknown>;
    t.enqueue = (s: unknown) => s;
    t.result = (_t: unknown, r: unknown) => r;
    t.dispatched = () => undefined;
    Object.defineProperty(t, 'extend', { value: undefined });
  }
  const t0 = performance.now();
  const run = await engine.submit(independent(SIZE));
  await engine.wait(run.id);
  const ms = performance.now() - t0;
  await engine.close();
  await real.close();
  rmSync(dir, { recursive: true, force: true });
  return SIZE / (ms / 1000);
}

const res = { on: [] as number[], off: [] as number[] };
for (let i = 0; i < RUNS; i++) {
  res.off.push(await once(false));
  res.on.push(await once(true));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`| tuners' hooks | tasks/s (median of ${RUNS}) | runs |`);
console.log('|---|---|---|');
console.log(`| identity (baseline) | ${median(res.off).toFixed(0)} | ${res.off.map((x) => x.toFixed(0)).join(' ')} |`);
console.log(`| as shipped | ${median(res.on).toFixed(0)} | ${res.on.map((x) => x.toFixed(0)).join(' ')} |`);
