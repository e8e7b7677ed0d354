// A worker's placed records (workers.ts): releases in any order leave holes that are compacted
// with the order kept; free, the end order (earliestAt/availableAt) and a re-added worker agree
// with a plain list that removes by search, as the code before the holes did.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkerPool, type PlacedTask } from '../../src/sched/workers.js';
import { SeededRng } from '../../src/core/clock.js';
import type { SchedTask } from '../../src/sched/types.js';

function record(i: number, cpu: number, estimateMs: number): PlacedTask {
  const task = { key: `t${i}`, resources: { cpu, slots: 1 }, estimateMs } as unknown as SchedTask;
  return { task, workerId: '', startAt: 0, estEnd: 0, ws: null, pidx: -1 };
}

/** earliestAt by the definition: placed records by estimated end (stable in placement order), freed until `demand` fits. */
function expectedEarliest(free: Record<string, number>, placed: readonly PlacedTask[], demand: Record<string, number>, now: number): number {
  const f = { ...free };
  const fits = () => Object.keys(demand).every((k) => (f[k] ?? 0) >= demand[k]!);
  if (fits()) return now;
  for (const p of [...placed].sort((x, y) => x.estEnd - y.estEnd)) {
    for (const k in p.task.resources) f[k] = (f[k] ?? 0) + p.task.resources[k]!;
    if (fits()) return Math.max(now, p.estEnd);
  }
  return Number.POSITIVE_INFINITY;
}

test('releases in random order keep free, the end order and re-adding exact', () => {
  const rng = new SeededRng(7);
  for (let round = 0; round < 20; round++) {
    const pool = new WorkerPool();
    const capacity = { cpu: 64, slots: 200 };
    pool.add({ id: 'w', pool: 'default', capacity, speed: 1, labels: {} });
    const live: PlacedTask[] = []; // the reference: placement order, removal by search
    let next = 0;
    for (let step = 0; step < 600; step++) {
      const w = pool.get('w')!;
      if (live.length < 150 && (live.length === 0 || rng.next() < 0.55)) {
        const p = record(next++, Math.floor(rng.next() * 3) * 0.25, [5, 10, 10, 20][Math.floor(rng.next() * 4)]!);
        pool.placeOn(p, w, step, 1);
        live.push(p);
      } else {
        // Mostly the oldest (no-op tasks end in placement order), sometimes any.
        const i = rng.next() < 0.7 ? 0 : Math.floor(rng.next() * live.length);
        const [p] = live.splice(i, 1);
        pool.releasePlaced(p!);
        pool.releasePlaced(p!); // a second release changes nothing
      }
      if (rng.next() < 0.02) pool.add({ id: 'w', pool: 'default', capacity, speed: 1, labels: {} }); // re-added: carries its placed records
      const ws = pool.get('w')!;
      const used = live.reduce((s, p) => s + (p.task.resources.cpu ?? 0), 0);
      assert.ok(Math.abs(ws.free.cpu! - (64 - used)) < 1e-9, `free cpu at step ${step}`);
      assert.equal(ws.free.slots, 200 - live.length);
      assert.deepEqual(ws.placed.filter((p) => p !== null), live, `placed order at step ${step}`);
      assert.equal(ws.placed.filter((p) => p === null).length, ws.holes);
      for (const demand of [{ cpu: 63.5 }, { slots: 100 }, { cpu: 64, slots: 200 }] as Record<string, number>[]) {
        assert.equal(pool.earliestAt('w', demand, step), expectedEarliest(ws.free, live, demand, step), `earliestAt ${JSON.stringify(demand)} at step ${step}`);
        assert.equal(pool.availableAt('w', demand, step).at, expectedEarliest(ws.free, live, demand, step));
      }
    }
  }
});

test('holes are compacted: the list stays bounded by what is placed', () => {
  const pool = new WorkerPool();
  pool.add({ id: 'w', pool: 'default', capacity: { slots: 1024 }, speed: 1, labels: {} });
  const w = pool.get('w')!;
  const live: PlacedTask[] = [];
  for (let i = 0; i < 20_000; i++) {
    const p = record(i, 0, 1);
    pool.placeOn(p, w, i, 1);
    live.push(p);
    if (live.length > 1000) pool.releasePlaced(live.shift()!);
  }
  assert.ok(w.placed.length <= 2 * 1001 + 17, `placed has ${w.placed.length} entries for 1,000 placed`);
  assert.deepEqual(w.placed.filter((p) => p !== null), live);
});
