/**
 * Bytes allocated per task, by function: V8's sampling heap profiler with the objects the young
 * and old generation collections freed included (what the GC's share of the CPU profile pays
 * for; `--heap-prof` only shows what is still alive at the end). One warm-up run, then one
 * measured run of the no-op shape with a store whose commit does nothing (the engine alone).
 * Inlined callees are counted in their caller.
 *
 *   node --import tsx bench/engine/alloc-profile.ts [--size 20000] [--shape independent|dag] [--top 40] [--pairs]
 *
 * `--pairs` lists "function < caller < caller's caller" instead of functions alone.
 */
import { Session } from 'node:inspector/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../src/engine/engine.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/types.js';
import { localExecutors } from '../../src/cli/runtime.js';
import { independent, parentChildren } from './shapes.js';
import { int } from './stats.js';

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

const argv = process.argv.slice(2);
const flag = (name: string, d: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1]! : d);
const size = Number(flag('--size', '20000'));
const shape = flag('--shape', 'independent');
const top = Number(flag('--top', '40'));
const pairs = argv.includes('--pairs');

async function once(n: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-alloc-'));
  const inner = new SqliteStore(':memory:');
  const store: Store = new Proxy(inner, {
    get(target, prop) {
      if (prop === 'commit') return async () => undefined;
      const v = Reflect.get(target, prop);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  const engine = new Engine({ store, stateDir: dir, executors: localExecutors(new Map([['noop', () => undefined]])), concurrency: 256 });
  try {
    const row = await engine.submit(shape === 'dag' ? parentChildren(n / 4) : independent(n));
    const end = await engine.wait(row.id);
    if (end.state !== 'succeeded') throw new Error(`run ended ${end.state}`);
  } finally {
    await engine.close({ kill: true });
    await inner.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await once(size / 10);
const session = new Session();
session.connect();
await session.post('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
await once(size);
const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: ProfileNode } };
session.disconnect();

const name = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\/(src|bench|node_modules)\//, '$1/') || '(native)'}`;
const bytes = new Map<string, number>();
let total = 0;
const walk = (n: ProfileNode, up: string[]) => {
  const here = name(n);
  if (n.selfSize > 0) {
    const key = pairs ? [here, ...up.slice(-2).reverse()].join(' < ') : here;
    bytes.set(key, (bytes.get(key) ?? 0) + n.selfSize);
    total += n.selfSize;
  }
  for (const c of n.children) walk(c, [...up, here]);
};
walk(profile.head, []);
console.log(`${shape}, ${int(size)} tasks: ${int(total / size)} bytes allocated per task (sampled)`);
for (const [k, v] of [...bytes].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${int(v / size).padStart(7)} B/task  ${k}`);
