/**
 * `--memory` mode (run in its own child process with --max-old-space-size=4096): one run of
 * N tasks (default 1,000,000: 250,000 groups of a parent and 3 children) whose first task
 * blocks, so N - 1 tasks stay pending in the engine (shapes.ts `blocked`; default `fan`). Reports RSS while they are held and the process's peak RSS (VmHWM,
 * which includes the submit's transient peak), then cancels the run and times that.
 */
import { readFileSync } from 'node:fs';
import type { FnHandler } from '../../src/exec/types.js';
import { blocked } from './shapes.js';
import { openBench } from './kairos.js';

export interface MemoryResult {
  readonly tasks: number;
  /** RSS before anything was built (MiB). */
  readonly baseRssMiB: number;
  /** RSS once the spec object exists, before submit (MiB). */
  readonly specRssMiB: number;
  /** RSS with the run submitted, its first commit done and N - 1 tasks pending (MiB). */
  readonly heldRssMiB: number;
  readonly heldHeapMiB: number;
  /** Peak RSS of the process up to the hold point (VmHWM, MiB). */
  readonly peakRssMiB: number;
  /** From submit until the blocking task started (the whole run row set committed). */
  readonly submitMs: number;
  /** `cancel` of the run with N - 1 pending tasks. */
  readonly cancelMs: number;
  /** Peak RSS over the whole mode, cancel included (MiB). */
  readonly peakAfterCancelMiB: number;
}

const MiB = 1024 * 1024;

function procStatus(field: 'VmHWM' | 'VmRSS'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : process.memoryUsage().rss / MiB;
}

export async function memoryMode(tasks: number, shape: 'fan' | 'chain' = 'fan'): Promise<MemoryResult> {
  const groups = Math.ceil(tasks / 4);
  const baseRssMiB = procStatus('VmRSS');
  const spec = blocked(groups, shape);
  const specRssMiB = procStatus('VmRSS');
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let started!: () => void;
  const blockStarted = new Promise<void>((r) => (started = r));
  const block: FnHandler = (ctx) => {
    started();
    return new Promise<void>((resolve) => {
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      void released.then(resolve);
    });
  };
  const b = openBench(256, new Map<string, FnHandler>([['block', block], ['noop', () => undefined]]));
  try {
    const t0 = performance.now();
    const row = await b.engine.submit(spec);
    await blockStarted;
    const submitMs = performance.now() - t0;
    // Let the tick that started the blocker finish, then look.
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 50));
    const mu = process.memoryUsage();
    const heldRssMiB = procStatus('VmRSS');
    const peakRssMiB = procStatus('VmHWM');
    // Printed before the cancel, so a failing cancel still leaves the memory figures.
    process.stderr.write(`[memory] ${spec.tasks.length} tasks held: RSS ${heldRssMiB.toFixed(0)} MiB, peak ${peakRssMiB.toFixed(0)} MiB, submit ${submitMs.toFixed(0)} ms\n`);
    const t1 = performance.now();
    const end = await Promise.race([
      b.engine.cancel(row.id, 'benchmark done'),
      new Promise<never>((_, reject) => b.engine.once('error', reject)),
    ]);
    const cancelMs = performance.now() - t1;
    if (end.state !== 'cancelled') throw new Error(`memory run ended ${end.state}, expected cancelled`);
    release();
    return {
      tasks: spec.tasks.length, baseRssMiB, specRssMiB, heldRssMiB, heldHeapMiB: mu.heapUsed / MiB, peakRssMiB,
      submitMs, cancelMs, peakAfterCancelMiB: procStatus('VmHWM'),
    };
  } finally {
    release();
    await b.close();
  }
}
