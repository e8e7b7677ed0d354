/**
 * Runs `shell` actions as local processes: `<shell> -c <run>` in a new process group.
 *
 * What the task sees:
 * - env: the orchestrator's environment, then `req.env` (templated values arrive here, as data),
 *   then KAIROS_RUN_ID, KAIROS_TASK_ID, KAIROS_ATTEMPT and KAIROS_OUTPUT (a fresh path in the temp
 *   folder where it may write a JSON object of outputs); the KAIROS_* names cannot be overridden.
 * - cwd: `req.cwd`, or the orchestrator's working folder; stdin is /dev/null.
 *
 * What it gets back (see shell-attempt.ts for the lifecycle): exit 0 → succeeded with outputs;
 * non-zero → failed, `exit code N: <last non-empty stderr line, else stdout line>`; a signal →
 * failed, `killed by signal SIGX`; timeout → timed_out; abort → cancelled. Timeout and cancel
 * SIGTERM the whole group, then SIGKILL after `killGraceMs`. Processes left in the group after
 * the script exits are killed the same way: an attempt leaves nothing running behind it.
 *
 * Known limits: a process that leaves the group (setsid) escapes the kill; if the orchestrator
 * itself dies, its detached groups live on (recovery marks their attempts lost).
 */
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ExecRequest, ExecResult, Executor } from './types.js';
import { BoundedLog } from './bounded-log.js';
import { redactorFor } from './redact.js';
import { ShellAttempt } from './shell-attempt.js';
import { CANCELLED_BEFORE_START, failed, messageOf } from './result.js';

export interface ShellExecutorOptions {
  /** Period of peak-RSS sampling of the process tree through /proc; 0 turns it off. Default 500 ms. */
  readonly rssSampleMs?: number;
  /** Folder of the `$KAIROS_OUTPUT` files (each removed after its attempt). Default `os.tmpdir()`. */
  readonly tmpDir?: string;
}

export class ShellExecutor implements Executor {
  readonly kind = 'shell' as const;
  readonly #rssSampleMs: number;
  readonly #tmpDir: string;

  constructor(options: ShellExecutorOptions = {}) {
    this.#rssSampleMs = options.rssSampleMs ?? 500;
    this.#tmpDir = options.tmpDir ?? tmpdir();
  }

  async execute(req: ExecRequest, signal: AbortSignal): Promise<ExecResult> {
    const action = req.action;
    if (action.kind !== 'shell') return failed(`the shell executor cannot run '${action.kind}' actions`);
    if (signal.aborted) return CANCELLED_BEFORE_START;

    // spawn reports a missing cwd as "spawn bash ENOENT", which blames the shell: check first.
    const cwd = resolve(req.cwd ?? '.');
    try {
      if (!(await stat(cwd)).isDirectory()) return failed(`cwd '${cwd}' is not a directory`);
    } catch (err) {
      return failed(`cwd '${cwd}' cannot be used: ${messageOf(err)}`);
    }
    if (signal.aborted) return CANCELLED_BEFORE_START;

    let log: BoundedLog;
    try {
      // No log path: nothing would read the output, so keep none of it (the last lines still feed errors).
      log = new BoundedLog(req.logPath, req.logPath === null ? 0 : req.maxLogBytes);
    } catch (err) {
      return failed(`cannot create the log folder of '${req.logPath}': ${messageOf(err)}`);
    }

    const outputPath = join(this.#tmpDir, `kairos-output-${randomUUID()}.json`);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...req.env,
      KAIROS_RUN_ID: req.runId,
      KAIROS_TASK_ID: req.taskId,
      KAIROS_ATTEMPT: String(req.attempt),
      KAIROS_OUTPUT: outputPath,
    };
    const attempt = new ShellAttempt(
      { req, shell: action.shell, run: action.run, cwd, env, outputPath, log, redactor: redactorFor(req.secretEnv, req.env), rssSampleMs: this.#rssSampleMs },
      signal,
    );
    return attempt.run();
  }
}
