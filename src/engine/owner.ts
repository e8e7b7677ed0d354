import { hostname } from 'node:os';
import { KairosError } from '../core/errors.js';
import type { RunRow } from '../store/types.js';
import type { ResolvedEngineOptions } from './engine-options.js';

/** How often an engine looks for cancel requests made by other processes (`kairos cancel`). */
export const CANCEL_POLL_MS = 500;

/**
 * Takes ownership of an unfinished run so this process may drive it: refused while another live
 * owner holds it (heartbeat fresher than 3 periods, or its pid alive on this host).
 */
export async function claimForDrive(store: ResolvedEngineOptions['store'], runId: string, owner: string, heartbeatMs: number, now: number): Promise<RunRow> {
  const row = await store.getRun(runId);
  if (!row) throw new KairosError('RUN_NOT_FOUND', `run '${runId}' does not exist (see \`kairos runs\`)`, { field: 'run' });
  if (row.state !== 'running' && row.state !== 'compensating') {
    throw new KairosError('ILLEGAL_TRANSITION', `run '${runId}' already ${row.state}; nothing to resume (use \`kairos retry\` to rerun failed tasks)`);
  }
  const stale = ownerIsDead(row.owner) ? -1 : 3 * heartbeatMs;
  if (!(await store.claimRun(runId, owner, now, stale))) {
    throw new KairosError('STORE_LOCKED', `run '${runId}' is being driven by ${row.owner}; wait for it or stop that process`, { retryable: true });
  }
  row.owner = owner;
  row.ownerSeenAt = now;
  return row;
}

/**
 * Every CANCEL_POLL_MS: look for cancel requests for this owner's runs; every `heartbeatMs`:
 * prove the owner alive. Each is one indexed query. The timer does not keep the process alive.
 */
export function startOwnerHeartbeat(o: ResolvedEngineOptions, onCancelRequest: (runId: string) => void): NodeJS.Timeout {
  let beats = 0;
  const timer = setInterval(() => {
    if (++beats * CANCEL_POLL_MS >= o.heartbeatMs) {
      beats = 0;
      void o.store.heartbeat(o.owner, o.clock.now());
    }
    void o.store.takeCancelRequests(o.owner).then((ids) => ids.forEach(onCancelRequest));
  }, CANCEL_POLL_MS);
  timer.unref();
  return timer;
}

/** True when `owner` is a process on this host that no longer exists (it was killed). */
export function ownerIsDead(owner: string | null): boolean {
  if (owner === null) return true;
  const [host, pidText] = [owner.slice(0, owner.lastIndexOf(':')), owner.slice(owner.lastIndexOf(':') + 1)];
  if (host !== hostname()) return false;
  const pid = Number(pidText);
  if (!Number.isInteger(pid)) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
