/**
 * Optional, cheap peak-memory measurement of a task's process tree on Linux, for the resource
 * right-sizer: every `periodMs` it walks the tree from the leader through
 * /proc/<pid>/task/<pid>/children and reads VmRSS and VmHWM from /proc/<pid>/status.
 *
 * The peak is max(largest summed RSS of the tree at one sample, largest single VmHWM seen): the
 * kernel's high-water mark catches a one-process spike between samples, the sum catches a wide
 * tree. It is a lower bound of the true peak. A task shorter than one period reports nothing
 * (no sample taken) rather than the near-empty footprint of a just-started shell.
 *
 * CPU time: the largest sum over the tree of utime + stime + cutime + cstime (/proc/<pid>/stat,
 * clock ticks of 10 ms) seen at a sample: children reaped by a process of the tree count through
 * its cutime/cstime; the cpu spent after the last sample is missed (a lower bound, like the peak).
 *
 * Memory limit (optional): when the summed RSS of a sample exceeds `limitBytes`, `onOverLimit`
 * is called once (the attempt kills the tree: the engine's memory enforcement, since nothing
 * else enforces a limit on a local process). `onSample` sees every sample (anomaly detection).
 *
 * Cost: a few small /proc reads per process of the tree every 500 ms; the timer is unref'd.
 */
import { readFileSync } from 'node:fs';

const HAS_PROC = process.platform === 'linux';
/** A tree deeper or wider than this is sampled partially (bounded work per sample). */
const MAX_PROCS = 256;
/** USER_HZ: the unit of /proc/<pid>/stat times (100 on every mainstream Linux build). */
const MS_PER_TICK = 10;

export interface SamplerHooks {
  readonly limitBytes?: number;
  readonly onOverLimit?: (rssBytes: number) => void;
  readonly onSample?: (rssBytes: number, cpuMs: number) => void;
}

/** utime + stime + cutime + cstime of a /proc/<pid>/stat line, in ticks. */
function cpuTicks(stat: string): number {
  // Fields after "(comm) ": state is field 3; utime..cstime are fields 14..17 (indices 11..14 here).
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) || 0) + (Number(f[12]) || 0) + (Number(f[13]) || 0) + (Number(f[14]) || 0);
}

function readKb(status: string, key: string): number {
  const i = status.indexOf(key);
  if (i < 0) return 0;
  return parseInt(status.slice(i + key.length), 10) || 0;
}

export class RssSampler {
  readonly #root: number;
  #timer: NodeJS.Timeout | null = null;
  #peakBytes = 0;
  #cpuTicks = 0;
  readonly #startedAt = performance.now();
  #cpuAt = 0;
  readonly #hooks: SamplerHooks;
  #over = false;

  constructor(rootPid: number, periodMs: number, hooks: SamplerHooks = {}) {
    this.#root = rootPid;
    this.#hooks = hooks;
    if (!HAS_PROC || periodMs <= 0) return;
    this.#timer = setInterval(() => this.#sample(), periodMs);
    this.#timer.unref();
  }

  /** Stops sampling; the peak in bytes, or undefined when nothing was measured. */
  stop(): number | undefined {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    return this.#peakBytes > 0 ? this.#peakBytes : undefined;
  }

  /** CPU time of the tree seen so far (ms), or undefined when nothing was measured. */
  get cpuMs(): number | undefined {
    return this.#peakBytes > 0 ? this.#cpuTicks * MS_PER_TICK : undefined;
  }

  /** Wall time from the start to the sample that read `cpuMs` (ms): cores = cpuMs / this. */
  get cpuWindowMs(): number | undefined {
    return this.#peakBytes > 0 && this.#cpuAt > 0 ? this.#cpuAt : undefined;
  }

  #sample(): void {
    let sumKb = 0;
    let hwmKb = 0;
    let ticks = 0;
    const queue = [this.#root];
    for (let i = 0; i < queue.length && i < MAX_PROCS; i++) {
      const pid = queue[i]!;
      let status: string;
      try {
        status = readFileSync(`/proc/${pid}/status`, 'utf8');
      } catch {
        continue; // exited between the walk and the read
      }
      sumKb += readKb(status, 'VmRSS:');
      hwmKb = Math.max(hwmKb, readKb(status, 'VmHWM:'));
      try {
        ticks += cpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        // exited meanwhile
      }
      try {
        const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
        if (kids.length > 0) for (const k of kids.split(' ')) queue.push(Number(k));
      } catch {
        // no children file (old kernel) or process gone: the leader alone is still measured
      }
    }
    this.#peakBytes = Math.max(this.#peakBytes, sumKb * 1024, hwmKb * 1024);
    if (ticks >= this.#cpuTicks) (this.#cpuTicks = ticks), (this.#cpuAt = performance.now() - this.#startedAt);
    const h = this.#hooks;
    if (sumKb === 0) return; // the tree is gone
    h.onSample?.(sumKb * 1024, this.#cpuTicks * MS_PER_TICK);
    if (h.limitBytes !== undefined && !this.#over && sumKb * 1024 > h.limitBytes) {
      this.#over = true;
      h.onOverLimit?.(sumKb * 1024);
    }
  }
}
