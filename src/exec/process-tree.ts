/**
 * Killing a task's whole process tree. Every shell task runs as the leader of its own process
 * group (`detached: true`), so one `kill(-pgid)` reaches the grandchildren a script forks
 * (`sleep 100 &`), unless they deliberately left the group (setsid), which the executor
 * tolerates (see shell-attempt.ts).
 *
 * Zombies: an orphaned grandchild is re-parented to PID 1, and not every container init reaps
 * promptly (this machine's does not), so `kill(-pgid, 0)` keeps succeeding for a group whose only
 * members are zombies. "Alive" therefore means "has a member that is not a zombie", read from
 * /proc on Linux; elsewhere the plain `kill(-pgid, 0)` answer is used. The /proc scan runs only
 * when `kill(-pgid, 0)` says the group is not empty, which for a task that ended normally is rare.
 */
import { readdirSync, readFileSync } from 'node:fs';

const HAS_PROC = process.platform === 'linux';

/** How often a terminating group is checked for emptiness during the grace period. */
const POLL_MS = 50;

/** Sends `signal` to every process of group `pgid`; false when the group has no process left. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    // EPERM: a member we may not signal exists (it changed user); it is alive but unreachable.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** State letter and process group of a pid from /proc/<pid>/stat, or null when it is gone. */
function procStat(pid: number | string): { state: string; pgrp: number } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // "pid (comm) S ppid pgrp ...": comm may hold spaces and parentheses, so parse after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', pgrp: Number(fields[2]) };
}

/** True when `pid` exists and is not a zombie. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (!HAS_PROC) return true;
  const st = procStat(pid);
  return st !== null && st.state !== 'Z' && st.state !== 'X';
}

/** True when group `pgid` has a member that is not a zombie. */
export function groupAlive(pgid: number): boolean {
  if (!signalGroup(pgid, 0)) return false;
  if (!HAS_PROC) return true;
  for (const name of readdirSync('/proc')) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue; // not a pid folder
    const st = procStat(name);
    if (st !== null && st.pgrp === pgid && st.state !== 'Z' && st.state !== 'X') return true;
  }
  return false;
}

/**
 * The kill sequence of one process group: SIGTERM, then SIGKILL once `graceMs` has passed
 * unless the group emptied first.
 *
 * Invariant: once `finish()` resolves, the group is empty (zombies aside) or SIGKILL was sent to
 * it, so no process of the attempt outlives the attempt's result by more than a SIGKILL delivery.
 */
export class GroupKiller {
  readonly #pgid: number;
  readonly #graceMs: number;
  #phase: 'idle' | 'terminating' | 'done' = 'idle';
  #deadline = 0;
  #timer: NodeJS.Timeout | null = null;
  #waiters: (() => void)[] = [];

  constructor(pgid: number, graceMs: number) {
    this.#pgid = pgid;
    this.#graceMs = Math.max(0, graceMs);
  }

  /** True once a kill sequence was started (by timeout, cancel or leftover clean-up). */
  get started(): boolean {
    return this.#phase !== 'idle';
  }

  /** SIGTERM to the group now, SIGKILL after the grace period unless it empties first. Idempotent. */
  start(): void {
    if (this.#phase !== 'idle') return;
    if (!signalGroup(this.#pgid, 'SIGTERM')) return this.#done();
    this.#phase = 'terminating';
    if (this.#graceMs === 0) return this.#kill();
    this.#deadline = Date.now() + this.#graceMs;
    this.#schedule();
  }

  /**
   * Ends the group: when members are left (a script's background jobs after it exited), runs the
   * kill sequence on them. Resolves once the group is empty or SIGKILL was sent.
   */
  finish(): Promise<void> {
    if (this.#phase === 'idle') {
      if (!groupAlive(this.#pgid)) this.#done();
      else this.start();
    }
    if (this.#phase === 'done') return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Stops the timers without killing (the group is known to be gone). */
  dispose(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #schedule(): void {
    const wait = Math.min(POLL_MS, Math.max(0, this.#deadline - Date.now()));
    this.#timer = setTimeout(() => this.#tick(), wait);
  }

  #tick(): void {
    this.#timer = null;
    if (!groupAlive(this.#pgid)) return this.#done();
    if (Date.now() >= this.#deadline) return this.#kill();
    this.#schedule();
  }

  #kill(): void {
    signalGroup(this.#pgid, 'SIGKILL');
    this.#done();
  }

  #done(): void {
    this.dispose();
    this.#phase = 'done';
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}
