/**
 * CommitPipeline with two commits in flight (a store with `commitDepth: 2`, SQLite's writer
 * thread): never more than two posted, every effect carried out only after the commit that held
 * it resolved, effects in the order they were produced (also when an acknowledgement is split or
 * held for a turn), and drain() waits for held effects.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommitPipeline } from '../../src/engine/commit-pipeline.js';
import type { Effect } from '../../src/engine/task-flow.js';
import { emptyBatch, type Store, type WriteBatch } from '../../src/store/types.js';

const turn = () => new Promise<void>((r) => setImmediate(r));

test('commit pipeline, depth 2: at most two in flight, effects after their own commit, in order', async () => {
  const pending: { batch: WriteBatch; resolve: () => void }[] = [];
  const committedBatches = new Set<number>();
  let maxInFlight = 0;
  const store = {
    commitDepth: 2,
    commit(batch: WriteBatch): Promise<void> {
      return new Promise<void>((resolve) => {
        pending.push({ batch, resolve: () => (committedBatches.add(Number(batch.events[0]!.type)), resolve()) });
        maxInFlight = Math.max(maxInFlight, pending.length);
      });
    },
  } as unknown as Store;
  let next = 0;
  let queued: Effect[] = [];
  const carried: { effect: number; batch: number }[] = [];
  const pipe = new CommitPipeline<never>(store, {
    background: () => false,
    take() {
      const b = emptyBatch();
      const n = next++;
      if (queued.length > 0) b.events.push({ runId: 'r', taskId: null, at: 0, type: String(n), data: null });
      const effects = queued;
      queued = [];
      for (const e of effects) (e as unknown as { batch: number }).batch = n;
      return { batch: b, effects, finished: [] };
    },
    committed(_finished, effects) {
      for (const e of effects) carried.push({ effect: (e as unknown as { id: number }).id, batch: (e as unknown as { batch: number }).batch });
    },
    error(err) {
      throw err;
    },
  });
  let id = 0;
  const produce = (n: number) => {
    for (let i = 0; i < n; i++) queued.push({ kind: 'start', id: id++ } as unknown as Effect);
  };
  // Ticks produce effects and flush; commits resolve in order, sometimes two in one turn.
  for (let round = 0; round < 40; round++) {
    produce(1 + (round % 5));
    pipe.flush();
    if (round % 3 === 0 && pending.length > 0) pending.shift()!.resolve();
    if (round % 7 === 0) {
      while (pending.length > 0) pending.shift()!.resolve();
    }
    await turn();
    for (const c of carried) assert.ok(committedBatches.has(c.batch), `effect ${c.effect} carried out before batch ${c.batch} committed`);
  }
  while (pending.length > 0 || queued.length > 0) {
    pipe.flush();
    while (pending.length > 0) pending.shift()!.resolve();
    await turn();
  }
  await pipe.drain();
  assert.ok(maxInFlight <= 2, `${maxInFlight} commits in flight`);
  assert.equal(maxInFlight, 2, 'the second commit was posted while the first was in flight');
  assert.deepEqual(carried.map((c) => c.effect), Array.from({ length: id }, (_, i) => i), 'every effect once, in order');
});
