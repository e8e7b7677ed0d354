/**
 * CPU time of other processes on this machine (Linux /proc), for the fleet benchmarks: on a
 * 2-core machine the workers, PostgreSQL and Redis share the core the engine does not use, so
 * their CPU per task bounds the throughput as much as the engine's does.
 *
 * A process group here is a list of pids plus, optionally, a parent whose children are counted
 * too (PostgreSQL's postmaster: one backend process per connection). utime + stime, and for a
 * parent also cutime + cstime (its children that already exited). Clock ticks of 10 ms: read it
 * over seconds, not milliseconds.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ = 100 on Linux

/** The fields of /proc/<pid>/stat (or of a thread: `/proc/<pid>/task/<tid>/stat`) after the command name (which may hold spaces). */
function statFields(pid: number, tid?: number): string[] | null {
  try {
    const s = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null; // exited
  }
}

/** CPU ms of `pid` (utime + stime; with `reaped`, also its exited children's). */
export function cpuMsOf(pid: number, reaped = false): number {
  const f = statFields(pid);
  if (f === null) return 0;
  // After the name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)
  const ticks = Number(f[11]) + Number(f[12]) + (reaped ? Number(f[13]) + Number(f[14]) : 0);
  return ticks * TICK_MS;
}

export function parentOf(pid: number): number | null {
  const f = statFields(pid);
  return f === null ? null : Number(f[1]);
}

/** Live children of `ppid`. */
export function childrenOf(ppid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const f = statFields(Number(d));
    if (f !== null && Number(f[1]) === ppid) out.push(Number(d));
  }
  return out;
}

/** CPU ms of a process tree one level deep: the parent (and its reaped children) plus its live children. */
export function treeCpuMs(parent: number): number {
  let ms = cpuMsOf(parent, true);
  for (const c of childrenOf(parent)) ms += cpuMsOf(c);
  return ms;
}

/**
 * CPU ms of this process's main thread alone (its JavaScript, what bounds an engine's tick rate),
 * without V8's background threads (concurrent compiler, GC helpers) that `process.cpuUsage` adds.
 */
export function mainThreadCpuMs(): number {
  const f = statFields(process.pid, process.pid);
  return f === null ? 0 : (Number(f[11]) + Number(f[12])) * TICK_MS;
}

/**
 * The machine's CPU time so far (/proc/stat, all cores, ms): busy and idle (idle + iowait). Two
 * readings give the share of the machine left idle between them: whether the fleet was bound by
 * CPU (near 0) or by waiting (commit round trips, batching).
 */
export function machineCpuMs(): { busy: number; idle: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already in user)
  const idle = f[3]! + f[4]!;
  const busy = f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!;
  return { busy: busy * TICK_MS, idle: idle * TICK_MS };
}
