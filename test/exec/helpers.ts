/**
 * Builders for executor tests: a fully-populated ExecRequest with overridable fields, and a
 * temporary folder per test file (removed by the caller's `after`).
 */
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Action } from '../../src/core/model.js';
import type { ExecRequest } from '../../src/exec/types.js';
import { isRunning } from '../../src/exec/process-tree.js';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `kairos-${prefix}-`));
}

export function request(action: Action, over: Partial<ExecRequest> = {}): ExecRequest {
  return {
    attemptId: 'run1/task1#1',
    runId: 'run1',
    taskId: 'task1',
    attempt: 1,
    action,
    env: {},
    secretEnv: [],
    cwd: undefined,
    timeoutMs: null,
    killGraceMs: 2000,
    logPath: null,
    maxLogBytes: 1024 * 1024,
    outputsFromStdout: true,
    outputFile: undefined,
    inputs: {},
    ...over,
  };
}

export function shell(run: string): Action {
  return { kind: 'shell', shell: 'bash', run };
}

export const never = (): AbortSignal => new AbortController().signal;

/** Waits (polling, not timing anything) until `path` exists and holds a line; returns its content. */
export async function waitForFile(path: string, limitMs = 20_000): Promise<string> {
  const end = Date.now() + limitMs;
  while (Date.now() < end) {
    if (existsSync(path)) {
      const text = readFileSync(path, 'utf8');
      if (text.endsWith('\n')) return text.trim();
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${path} never appeared`);
}

/**
 * Whether `pid` is gone within `limitMs`. After SIGKILL the executor resolves once the signal is
 * sent (process-tree.ts: "no process outlives the result by more than a SIGKILL delivery"); the
 * kernel finishes the kill when the process next gets a CPU, which on a loaded machine can be
 * after the result. The limit only bounds a liveness check; it is no timing claim.
 */
export async function goneWithin(pid: number, limitMs = 10_000): Promise<boolean> {
  const end = Date.now() + limitMs;
  while (isRunning(pid)) {
    if (Date.now() >= end) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}
