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
 * Cost: a few small /proc reads per process of the tree every 500 ms; the timer is unref'd.
 */
import { readFileSync } from 'node:fs';

const HAS_PROC = process.platform === 'linux';
/** A tree deeper or wider than this is sampled partially (bounded work per sample). */
const MAX_PROCS = 256;

function readKb(status: string, key: string): number {
  const i = status.indexOf(key);
  if (i < 0) return 0;
  return parseInt(status.slice(i + key.length), 10) || 0;
}

export class RssSampler {
  readonly #root: number;
  #timer: NodeJS.Timeout | null = null;
  #peakBytes = 0;

  constructor(rootPid: number, periodMs: number) {
    this.#root = rootPid;
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

  #sample(): void {
    let sumKb = 0;
    let hwmKb = 0;
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
        const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
        if (kids.length > 0) for (const k of kids.split(' ')) queue.push(Number(k));
      } catch {
        // no children file (old kernel) or process gone: the leader alone is still measured
      }
    }
    this.#peakBytes = Math.max(this.#peakBytes, sumKb * 1024, hwmKb * 1024);
  }
}
