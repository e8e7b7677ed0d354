/**
 * The live terminal display of `kairos run` / `resume` / `retry`: one line per task with its
 * state and elapsed time, a progress bar, and failures printed as they happen. On a TTY it
 * redraws in place (log-update) at most 10 times a second; otherwise (CI logs, pipes) it prints
 * one line per state change, so the output stays readable as a log.
 */
import logUpdate from 'log-update';
import type { TaskState } from '../core/model.js';
import type { Engine } from '../engine/engine.js';
import type { TaskChange } from '../engine/task-flow.js';

const SYMBOL: Record<TaskState, string> = {
  pending: '·', ready: '○', queued: '○', dispatched: '◔', running: '◐', succeeded: '✔', failed: '✘', retry_wait: '↻',
  timed_out: '⌛', lost: '?', skipped: '–', cancelled: '⊘', compensating: '↶', compensated: '↺',
};
const COLOR: Partial<Record<TaskState, string>> = {
  succeeded: '\x1b[32m', failed: '\x1b[31m', timed_out: '\x1b[31m', running: '\x1b[36m', retry_wait: '\x1b[33m',
  skipped: '\x1b[90m', cancelled: '\x1b[90m', compensating: '\x1b[35m', compensated: '\x1b[35m',
};
const RESET = '\x1b[0m';
const DONE = new Set<TaskState>(['succeeded', 'failed', 'timed_out', 'skipped', 'cancelled', 'compensated']);
const MAX_LINES = 25;

interface Line {
  state: TaskState;
  attempt: number;
  since: number;
  error: string | null;
}

export class RunDisplay {
  readonly #tasks = new Map<string, Line>();
  readonly #tty: boolean;
  readonly #color: boolean;
  readonly #start = Date.now();
  #timer: NodeJS.Timeout | null = null;
  #runId: string;

  constructor(engine: Engine, runId: string, initial: Iterable<{ taskId: string; state: TaskState; attempt: number }>, opts: { tty?: boolean } = {}) {
    this.#runId = runId;
    this.#tty = opts.tty ?? Boolean(process.stdout.isTTY);
    this.#color = this.#tty && !process.env.NO_COLOR;
    for (const t of initial) this.#tasks.set(t.taskId, { state: t.state, attempt: t.attempt, since: Date.now(), error: null });
    engine.on('task', (c) => c.runId === this.#runId && this.#onChange(c));
    if (this.#tty) {
      this.#timer = setInterval(() => this.#draw(), 100);
      this.#timer.unref();
    } else process.stdout.write(`run ${runId}: ${this.#tasks.size} tasks\n`);
  }

  #paint(state: TaskState, text: string): string {
    return this.#color && COLOR[state] ? `${COLOR[state]}${text}${RESET}` : text;
  }

  #onChange(c: TaskChange): void {
    const prev = this.#tasks.get(c.taskId);
    this.#tasks.set(c.taskId, { state: c.state, attempt: c.attempt, since: Date.now(), error: c.error });
    const failedNow = (c.state === 'failed' || c.state === 'timed_out' || c.state === 'retry_wait') && prev?.state !== c.state;
    if (this.#tty) {
      if (failedNow) logUpdate.clear(), process.stdout.write(this.#paint(c.state, `${SYMBOL[c.state]} ${c.taskId} ${c.state} (attempt ${c.attempt}): ${c.error ?? ''}\n`));
      return;
    }
    if (['running', 'succeeded', 'failed', 'timed_out', 'retry_wait', 'skipped', 'cancelled', 'compensating', 'compensated'].includes(c.state)) {
      const attempt = c.attempt > 1 ? ` (attempt ${c.attempt})` : '';
      const err = c.error && c.state !== 'succeeded' && c.state !== 'running' ? `: ${c.error}` : '';
      process.stdout.write(`${elapsed(Date.now() - this.#start).padStart(7)} ${SYMBOL[c.state]} ${c.taskId} ${c.state}${attempt}${err}\n`);
    }
  }

  #draw(): void {
    const now = Date.now();
    const lines: string[] = [];
    let done = 0;
    for (const l of this.#tasks.values()) if (DONE.has(l.state)) done++;
    const total = this.#tasks.size;
    const width = 30;
    const filled = total === 0 ? width : Math.round((done / total) * width);
    lines.push(`run ${this.#runId}  [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${done}/${total}  ${elapsed(now - this.#start)}`);
    // Active tasks first, then the most recent finished ones.
    const entries = [...this.#tasks.entries()].sort((a, b) => rank(a[1].state) - rank(b[1].state));
    for (const [id, l] of entries.slice(0, MAX_LINES)) {
      const t = l.state === 'running' ? elapsed(now - l.since) : '';
      const attempt = l.attempt > 1 ? ` #${l.attempt}` : '';
      lines.push(this.#paint(l.state, `  ${SYMBOL[l.state]} ${id.padEnd(28)} ${l.state.padEnd(12)}${attempt} ${t}`));
    }
    if (entries.length > MAX_LINES) lines.push(`  … ${entries.length - MAX_LINES} more`);
    logUpdate(lines.join('\n'));
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#tty) {
      this.#draw();
      logUpdate.done();
    }
  }
}

function rank(s: TaskState): number {
  return s === 'running' ? 0 : s === 'retry_wait' ? 1 : s === 'queued' || s === 'ready' ? 2 : DONE.has(s) ? 4 : 3;
}

export function elapsed(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${Math.floor(s % 60)}s` : `${Math.floor(m / 60)}h${m % 60}m`;
}
