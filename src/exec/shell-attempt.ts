/**
 * One running shell attempt: a process group, its two output streams, its timers.
 *
 * Life of an attempt (one state per row; each event may move it down, never up):
 *
 *   state       | event                         | effect
 *   ------------|-------------------------------|------------------------------------------------
 *   running     | timeout / abort               | reason := timeout|cancel; SIGTERM group, SIGKILL after grace
 *   running     | leader `exit`                 | exited; leftovers in the group get the kill sequence;
 *               |                               | a watchdog destroys the pipes if `close` never comes
 *   exited      | `close` (pipes drained)       | finishing: wait for the group to be gone (or SIGKILLed),
 *               |                               | read output files, close the log, resolve
 *   any         | spawn `error` (no pid)        | resolve failed "cannot start"
 *
 * Invariants:
 * - Resolves exactly once, after the log file is complete and the process group is empty or was
 *   sent SIGKILL: a retry never overlaps a live predecessor.
 * - A timeout or cancel that arrives after the leader exited changes nothing (the attempt ended).
 * - Every line written to the log passes through the redactor first; so do error messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { unlink } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import type { ExecRequest, ExecResult } from './types.js';
import type { BoundedLog } from './bounded-log.js';
import type { Redactor } from './redact.js';
import { GroupKiller, signalGroup } from './process-tree.js';
import { LineSplitter } from './line-splitter.js';
import { OutputCollector } from './outputs.js';
import { RssSampler } from './rss-sampler.js';
import { cancelled, failed, messageOf, succeeded, timedOut } from './result.js';

/** How much of the last output line an error message quotes. */
const LAST_LINE_CHARS = 300;
/** After the leader exits and the kill sequence had its grace, how long to wait for pipes held open
 *  by processes that left the group (setsid daemons) before closing our ends anyway. */
const PIPE_DRAIN_MS = 1000;

export interface ShellAttemptOptions {
  readonly req: ExecRequest;
  readonly shell: string;
  readonly run: string;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly outputPath: string;
  readonly log: BoundedLog;
  readonly redactor: Redactor;
  readonly rssSampleMs: number;
}

function mib(b: number): string {
  return `${+(b / 1048576).toFixed(1)} MiB`;
}

function lastLine(line: string): string | null {
  const t = line.trim();
  if (t.length === 0) return null;
  return t.length > LAST_LINE_CHARS ? `${t.slice(0, LAST_LINE_CHARS)}...` : t;
}

export class ShellAttempt {
  readonly #o: ShellAttemptOptions;
  readonly #signal: AbortSignal;
  readonly #outputs: OutputCollector;
  #child!: ChildProcess;
  #killer: GroupKiller | null = null;
  #sampler: RssSampler | null = null;
  #reason: 'timeout' | 'cancel' | 'memory' | null = null;
  #exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  #timeout: NodeJS.Timeout | null = null;
  #watchdog: NodeJS.Timeout | null = null;
  #stdoutLines = 0;
  #lastStdout: string | null = null;
  #lastStderr: string | null = null;
  #finished = false;
  #resolve!: (r: ExecResult) => void;

  constructor(o: ShellAttemptOptions, signal: AbortSignal) {
    this.#o = o;
    this.#signal = signal;
    this.#outputs = new OutputCollector(o.redactor);
  }

  run(): Promise<ExecResult> {
    const done = new Promise<ExecResult>((resolve) => (this.#resolve = resolve));
    const o = this.#o;
    const child = spawn(o.shell, ['-c', o.run], { cwd: o.cwd, env: o.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    child.on('error', (err) => this.#onError(err));
    if (child.pid === undefined) return done; // 'error' follows
    this.#killer = new GroupKiller(child.pid, o.req.killGraceMs);
    const pid = child.pid;
    this.#sampler = new RssSampler(pid, o.rssSampleMs, {
      ...(o.req.memoryLimitBytes === undefined ? {} : { limitBytes: o.req.memoryLimitBytes }),
      // Over its memory limit: SIGKILL at once (a grace period would let it grow further).
      onOverLimit: () => {
        if (this.#exit !== null || this.#reason !== null) return;
        this.#reason = 'memory';
        signalGroup(pid, 'SIGKILL');
        this.#killer!.start();
      },
      ...(o.req.onUsage === undefined ? {} : { onSample: (rssBytes: number, cpuMs: number) => o.req.onUsage!({ rssBytes, cpuMs }) }),
    });

    const out = new LineSplitter((line, first, last) => this.#onStdout(line, first, last));
    const err = new LineSplitter((line, first, last) => this.#onStderr(line, first, last));
    child.stdout!.on('data', (c: Buffer) => out.push(c));
    child.stderr!.on('data', (c: Buffer) => err.push(c));
    child.on('exit', (code, sig) => this.#onExit(code, sig));
    child.on('close', () => {
      out.end();
      err.end();
      void this.#finish();
    });

    if (o.req.timeoutMs !== null) this.#timeout = setTimeout(() => this.#stop('timeout'), o.req.timeoutMs);
    this.#signal.addEventListener('abort', this.#onAbort);
    return done;
  }

  readonly #onAbort = (): void => this.#stop('cancel');

  #stop(reason: 'timeout' | 'cancel'): void {
    if (this.#exit !== null || this.#reason !== null) return;
    this.#reason = reason;
    this.#killer!.start();
  }

  #onStdout(line: string, first: boolean, last: boolean): void {
    if (first) this.#stdoutLines++;
    const isOutput = this.#o.req.outputsFromStdout && first && this.#outputs.line(line, this.#stdoutLines, last);
    const safe = this.#o.redactor.text(line);
    if (!isOutput) this.#lastStdout = lastLine(safe) ?? this.#lastStdout;
    this.#o.log.write(last ? `${safe}\n` : safe);
  }

  #onStderr(line: string, _first: boolean, last: boolean): void {
    const safe = this.#o.redactor.text(line);
    this.#lastStderr = lastLine(safe) ?? this.#lastStderr;
    this.#o.log.write(last ? `${safe}\n` : safe);
  }

  #onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.#exit = { code, signal };
    if (this.#timeout !== null) clearTimeout(this.#timeout);
    // Background jobs the script left behind belong to the attempt: end them now, so they
    // release the pipes and `close` can come.
    void this.#killer!.finish();
    this.#watchdog = setTimeout(() => {
      this.#child.stdout?.destroy();
      this.#child.stderr?.destroy();
    }, this.#o.req.killGraceMs + PIPE_DRAIN_MS);
  }

  #onError(err: Error): void {
    if (this.#child.pid !== undefined) return; // a later I/O error: `close` still settles the attempt
    this.#settle(failed(`cannot start '${this.#o.shell}': ${err.message}`));
  }

  async #finish(): Promise<void> {
    if (this.#finished) return;
    await this.#killer!.finish();
    const o = this.#o;
    if (this.#reason === null) {
      await this.#outputs.file(o.outputPath, '$KAIROS_OUTPUT');
      if (o.req.outputFile !== undefined) await this.#outputs.file(resolvePath(o.cwd, o.req.outputFile), `'${o.req.outputFile}'`);
    }
    this.#settle(this.#result());
  }

  #result(): ExecResult {
    const exit = this.#exit ?? { code: null, signal: null };
    const maxRssBytes = this.#sampler!.stop();
    const cpuMs = this.#sampler!.cpuMs;
    const cpuWindowMs = this.#sampler!.cpuWindowMs;
    const limit = this.#o.req.memoryLimitBytes;
    const usage = maxRssBytes === undefined ? undefined
      : { maxRssBytes, ...(cpuMs === undefined ? {} : { cpuMs }), ...(cpuWindowMs === undefined ? {} : { cpuWindowMs }), ...(this.#reason === 'memory' ? { memoryExceeded: limit! } : {}) };
    const extra = { exitCode: exit.code, signal: exit.signal, ...(usage === undefined ? {} : { usage }) };
    if (this.#reason === 'timeout') return timedOut(this.#o.req.timeoutMs!, extra);
    if (this.#reason === 'memory') return failed(`killed: memory ${mib(maxRssBytes ?? 0)} exceeded its limit of ${mib(limit!)}`, extra);
    if (this.#reason === 'cancel') return cancelled(extra);
    const last = this.#lastStderr ?? this.#lastStdout;
    if (exit.signal !== null) return failed(`killed by signal ${exit.signal}${last === null ? '' : `: ${last}`}`, extra);
    if (exit.code !== 0) return failed(`exit code ${exit.code}${last === null ? '' : `: ${last}`}`, extra);
    const error = this.#outputs.error;
    if (error !== null) return failed(error, extra);
    return succeeded(this.#outputs.outputs(), extra);
  }

  /** Every error text in `result` is already redacted (built from redacted lines). */
  #settle(result: ExecResult): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#timeout !== null) clearTimeout(this.#timeout);
    if (this.#watchdog !== null) clearTimeout(this.#watchdog);
    this.#signal.removeEventListener('abort', this.#onAbort);
    this.#sampler?.stop();
    this.#killer?.dispose();
    const o = this.#o;
    void Promise.all([unlink(o.outputPath).catch(() => undefined), o.log.close()]).then(() => this.#resolve(result));
  }
}
