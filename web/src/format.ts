/** Display helpers: times, durations, sizes, the CSS class of a state. */

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms > 0 && ms < 1) return '<1 ms';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} m ${Math.round(s % 60)} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${m % 60} m`;
}

export function time(ms: number | null | undefined): string {
  if (!ms) return '—';
  const d = new Date(ms);
  const today = new Date();
  const sameDay = d.toDateString() === today.toDateString();
  const t = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  return sameDay ? t : `${d.toLocaleDateString([], { month: 'short', day: 'numeric' })} ${t}`;
}

export function ago(ms: number | null | undefined, now = Date.now()): string {
  if (!ms) return '—';
  return `${duration(Math.max(0, now - ms))} ago`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const u = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < u.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${u[i]}`;
}

export function resourceAmount(resource: string, v: number): string {
  if (resource === 'memory') return bytes(v);
  return `${+v.toFixed(3)}`;
}

/** `state-<state>`: the one class every view colours by (styles.css). */
export const stateClass = (state: string) => `state-${state.replace(/[^a-z_]/g, '')}`;

export const FINAL_TASK_STATES = new Set(['succeeded', 'failed', 'timed_out', 'skipped', 'cancelled', 'compensated']);
export const RUN_STATES = ['running', 'succeeded', 'failed', 'cancelled', 'compensating'] as const;
