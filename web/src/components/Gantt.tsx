/**
 * Gantt timeline of a run's attempts, one lane per worker. The current attempt of each task comes
 * from its task row; tasks on a second or later attempt bring their earlier attempts (fetched by
 * the run page) so retries show as separate bars. Bars are `.gantt-bar.state-<state>`.
 */
import type { Attempt, Task } from '../api';
import { duration, stateClass } from '../format';

export interface Bar { task: string; attempt: number; worker: string; start: number; end: number; state: string; running: boolean }

const RUNNING = new Set(['dispatched', 'running']);
const STEPS = [100, 250, 500, 1e3, 2e3, 5e3, 1e4, 15e3, 3e4, 6e4, 12e4, 3e5, 6e5, 9e5, 18e5, 36e5, 72e5, 144e5, 432e5, 864e5];

export function barsOf(tasks: Task[], attempts: ReadonlyMap<string, Attempt[]>, now: number): Bar[] {
  const bars: Bar[] = [];
  for (const t of tasks) {
    const earlier = t.attempt > 1 ? attempts.get(t.id) : undefined;
    if (earlier && earlier.length > 0) {
      for (const a of earlier) {
        const running = a.status === 'running';
        const state = running ? 'running' : a.status;
        bars.push({ task: t.id, attempt: a.attempt, worker: a.worker ?? t.worker ?? '(no worker)', start: a.startedAt, end: a.finishedAt ?? (running ? now : a.startedAt), state, running });
      }
      continue;
    }
    if (t.startedAt === null) continue;
    const running = RUNNING.has(t.state);
    if (!running && t.finishedAt === null) continue; // re-queued for another attempt; its bar comes with the attempts
    bars.push({ task: t.id, attempt: Math.max(1, t.attempt), worker: t.worker ?? '(no worker)', start: t.startedAt, end: t.finishedAt ?? now, state: t.state, running });
  }
  return bars;
}

function ticks(span: number): number {
  return STEPS.find((s) => span / s <= 8) ?? STEPS[STEPS.length - 1]!;
}

function tickLabel(ms: number, step: number): string {
  if (ms === 0) return '0';
  if (step < 1000) return `${(ms / 1000).toFixed(step < 1000 ? 2 : 1).replace(/0+$/, '').replace(/\.$/, '')} s`;
  return `+${duration(ms)}`;
}

/** Packs a worker's bars into rows so that overlapping attempts (a worker runs many at once) never hide each other. */
export function packRows(bars: Bar[]): Bar[][] {
  const rows: Bar[][] = [];
  const ends: number[] = [];
  for (const b of [...bars].sort((x, y) => x.start - y.start || x.task.localeCompare(y.task))) {
    let r = ends.findIndex((e) => e <= b.start);
    if (r < 0) {
      r = rows.length;
      rows.push([]);
      ends.push(0);
    }
    rows[r]!.push(b);
    ends[r] = Math.max(b.end, b.start + 1);
  }
  return rows;
}

export function Gantt({ bars, origin, now, selected, onSelect }: { bars: Bar[]; origin: number; now: number; selected: string | null; onSelect: (id: string) => void }) {
  if (bars.length === 0) return <p class="empty small">No attempt has started yet.</p>;
  const t0 = Math.min(origin, ...bars.map((b) => b.start));
  const t1 = Math.max(t0 + 1000, ...bars.map((b) => b.end), bars.some((b) => b.running) ? now : 0);
  const span = t1 - t0;
  const step = ticks(span);
  const pct = (t: number) => `${((t - t0) / span) * 100}%`;
  const marks = Array.from({ length: Math.floor(span / step) + 1 }, (_, i) => i * step);
  const workers = [...new Set(bars.map((b) => b.worker))].sort();

  return (
    <div class="gantt" role="img" aria-label="Attempts per worker over time">
      <div class="gantt-axis">
        <div class="gantt-lane-label" />
        <div class="gantt-track">
          {marks.map((t) => <span class="gantt-tick" style={{ left: pct(t0 + t) }}>{tickLabel(t, step)}</span>)}
        </div>
      </div>
      {workers.map((w) => {
        const rows = packRows(bars.filter((b) => b.worker === w));
        return (
          <div class="gantt-lane" data-worker={w} key={w}>
            <div class="gantt-lane-label" title={`worker ${w}`}>{w}</div>
            <div class="gantt-rows">
              {rows.map((row) => (
                <div class="gantt-track">
                  {marks.map((t) => <span class="gantt-grid" style={{ left: pct(t0 + t) }} />)}
                  {row.map((b) => (
                    <div key={`${b.task}#${b.attempt}`} class={`gantt-bar ${stateClass(b.state)} ${selected === b.task ? 'selected' : ''} ${b.running ? 'running' : ''}`}
                      data-task={b.task} data-attempt={b.attempt}
                      style={{ left: pct(b.start), width: `max(3px, ${((b.end - b.start) / span) * 100}%)` }}
                      title={`${b.task} attempt ${b.attempt} on ${w}: ${b.state}, ${duration(b.end - b.start)}`}
                      onClick={() => onSelect(b.task)}>
                      <span>{b.task}{b.attempt > 1 ? ` #${b.attempt}` : ''}</span>
                    </div>
                  ))}
                </div>
              ))}
            </div>
          </div>
        );
      })}
    </div>
  );
}
