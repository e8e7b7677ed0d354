/**
 * The SQLite writer thread's own cost, without the engine's noise: captures the encoded batches
 * a warm engine posts to its writer thread during one DAG (or independent) run, then replays them
 * into a fresh file on the replaying thread, timing the timed run's batches only (process CPU,
 * so the writer's work alone: the engine is not running). The replay is deterministic in what it
 * writes, so two store versions compare on the same batches; the 2-core machines are noisy,
 * so quote medians.
 *
 *   node --import tsx bench/engine/writer-replay.ts [dag|independent] [size=20000] [replays=7]
 *
 * Capture: one engine and store, two untimed runs, then the timed run (bench/engine/run.ts's
 * protocol); the batches of all three are kept, because an update names rows by the rowids the
 * earlier runs' inserts got: the replay writes the first two runs' batches untimed, then the third's.
 * The replay runs in a fresh child process (`--replay FILE`): in the capturing process V8's helper
 * threads were still busy after the engine closed, and process CPU counted them (14 against 6 µs).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { deserialize, serialize } from 'node:v8';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WriterThread } from '../../src/store/sqlite/writer-client.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { openConnection, SqliteWriter } from '../../src/store/sqlite/sqlite-writer.js';
import type { EncodedBatch } from '../../src/store/sqlite/batch-codec.js';
import { kairosRunOn, noopFunctions, openBench } from './kairos.js';
import { independent, parentChildren } from './shapes.js';
import { median } from './stats.js';

interface Capture {
  readonly shape: string;
  readonly size: number;
  /** Batches of the two untimed runs (the first `mark`), then the timed run's. */
  readonly mark: number;
  readonly batches: EncodedBatch[];
}

if (process.argv[2] === '--replay') await replay(deserialize(readFileSync(process.argv[3]!)) as Capture, Number(process.argv[4]));
else await capture(process.argv[2] === 'independent' ? 'independent' : 'dag', Number(process.argv[3] ?? 20_000), Number(process.argv[4] ?? 7));

async function capture(shape: string, size: number, replays: number): Promise<void> {
  // Capture: a copy of every commit posted to the writer thread (the original is transferred).
  const captured: EncodedBatch[] = [];
  const request = WriterThread.prototype.request;
  WriterThread.prototype.request = function (this: WriterThread, body, transfer) {
    const b = body as { kind?: string; op?: string; args?: unknown[] };
    if (b.kind === 'call' && b.op === 'commit') captured.push(structuredClone(b.args![0] as EncodedBatch));
    return request.call(this, body, transfer);
  };
  const bench = openBench(1024, noopFunctions());
  await bench.store.startWriter();
  const spec = () => (shape === 'dag' ? parentChildren(size / 4) : independent(size));
  await kairosRunOn(bench, spec());
  await kairosRunOn(bench, spec());
  const mark = captured.length;
  await kairosRunOn(bench, spec());
  await bench.close();
  WriterThread.prototype.request = request;
  const dir = mkdtempSync(join(tmpdir(), 'kairos-capture-'));
  try {
    const file = join(dir, 'batches.bin');
    writeFileSync(file, serialize({ shape, size, mark, batches: captured } satisfies Capture));
    const r = spawnSync(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--replay', file, String(replays)], { stdio: 'inherit' });
    process.exitCode = r.status ?? 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function replay({ shape, size, mark, batches: captured }: Capture, replays: number): Promise<void> {
  const perTask: number[] = [];
  for (let r = 0; r < replays; r++) {
    const dir = mkdtempSync(join(tmpdir(), 'kairos-replay-'));
    try {
      const path = join(dir, 'kairos.db');
      const store = new SqliteStore(path, { writer: 'inline' });
      await store.migrate();
      await store.close();
      const db = openConnection(path, 'normal');
      const writer = new SqliteWriter(db);
      const batches = structuredClone(captured);
      for (let i = 0; i < mark; i++) writer.commit(batches[i]!);
      const c0 = process.cpuUsage();
      for (let i = mark; i < batches.length; i++) writer.commit(batches[i]!);
      const c = process.cpuUsage(c0);
      perTask.push((c.user + c.system) / size);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(`${shape}, ${size} tasks, ${captured.length - mark} commits: writer CPU ${median(perTask).toFixed(2)} µs/task (median of ${replays}; all: ${perTask.map((x) => x.toFixed(2)).join(' ')})`);
}
