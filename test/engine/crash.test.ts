/**
 * Crash test: a 200-task workflow run by the real CLI in a child process, killed with SIGKILL
 * at random moments (5 times), resumed each time. Afterwards, read from the store and the
 * tasks' own side-effect log: every task succeeded exactly once, and no task recorded as
 * succeeded before a kill started again after it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { SeededRng } from '../../src/core/clock.js';

const CLI = resolve('src/cli/bin.ts');

function kairos(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

function exited(p: ChildProcess): Promise<number | null> {
  return new Promise((r) => (p.exitCode !== null || p.signalCode !== null ? r(p.exitCode) : p.once('exit', (code) => r(code))));
}

/** 20 layers of 10 tasks; each task of layer k needs two tasks of layer k-1. */
function workflow(log: string): string {
  const lines = ['name: crash-200', 'tasks:'];
  for (let l = 0; l < 20; l++) {
    for (let i = 0; i < 10; i++) {
      lines.push(`  t${l}_${i}:`);
      if (l > 0) lines.push(`    needs: [t${l - 1}_${i}, t${l - 1}_${(i + 3) % 10}]`);
      lines.push(`    run: echo "start $KAIROS_TASK_ID" >> ${log}; sleep 0.1; echo "end $KAIROS_TASK_ID" >> ${log}`);
      lines.push('    resources: {cpu: 0.25}');
    }
  }
  return lines.join('\n') + '\n';
}

test('kill -9 at random moments, resume each time: every task succeeds exactly once', { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-crash-'));
  const log = join(dir, 'side-effects.log');
  const wf = join(dir, 'wf.yaml');
  writeFileSync(wf, workflow(log));
  const state = join(dir, 'state');
  const rng = new SeededRng(20261123);
  const store = () => new SqliteStore(join(state, 'kairos.db'));
  let runId: string | null = null;
  const succeededCount = async (): Promise<number> => {
    if (!existsSync(join(state, 'kairos.db'))) return 0;
    const s = store();
    try {
      const id = runId ?? (await s.listRuns())[0]?.id;
      return id ? (await s.getTasks(id)).filter((t) => t.state === 'succeeded').length : 0;
    } finally {
      await s.close();
    }
  };
  let kills = 0;
  const checks: { succeededAtKill: Set<string>; linesAtKill: number }[] = [];
  try {
    let child = kairos(['run', wf, '--state', state, '--concurrency', '8']);
    for (let round = 0; round < 5; round++) {
      // Kill at a random moment once the run has made progress: after 25..45 more tasks have
      // succeeded than at the previous kill, plus a random 0..100 ms (mid-task, usually).
      const target = (checks.at(-1)?.succeededAtKill.size ?? 0) + 25 + Math.floor(rng.next() * 20);
      while (child.exitCode === null && (await succeededCount()) < target) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, rng.next() * 100));
      if (child.exitCode !== null) break;
      child.kill('SIGKILL');
      await exited(child);
      kills++;
      const s = store();
      runId ??= (await s.listRuns())[0]?.id ?? null;
      assert.ok(runId, 'the run was created before the first kill');
      const succeededAtKill = new Set((await s.getTasks(runId)).filter((t) => t.state === 'succeeded').map((t) => t.taskId));
      await s.close();
      const linesAtKill = existsSync(log) ? readFileSync(log, 'utf8').split('\n').length - 1 : 0;
      // Orphaned tasks of the killed engine may still finish their sleep; let them.
      await new Promise((r) => setTimeout(r, 150));
      child = kairos(['resume', runId, '--state', state]);
      checks.push({ succeededAtKill, linesAtKill });
    }
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const code = await exited(child);
    assert.equal(code, 0, `final resume exit code (stderr: ${stderr})`);
    assert.ok(kills >= 5, `killed ${kills} times`);

    const s = store();
    const tasks = await s.getTasks(runId!);
    const attempts = await s.getAttempts(runId!);
    const run = await s.getRun(runId!);
    await s.close();
    assert.equal(run!.state, 'succeeded');
    assert.equal(tasks.length, 200);
    assert.ok(tasks.every((t) => t.state === 'succeeded'));
    const wins = new Map<string, number>();
    for (const a of attempts) if (a.status === 'succeeded') wins.set(a.taskId, (wins.get(a.taskId) ?? 0) + 1);
    assert.equal(wins.size, 200);
    assert.ok([...wins.values()].every((n) => n === 1), 'exactly one succeeded attempt per task');
    assert.ok(attempts.some((a) => a.status === 'lost'), 'some attempts were interrupted by the kills');

    const lines = readFileSync(log, 'utf8').split('\n');
    for (const { succeededAtKill, linesAtKill } of checks) {
      for (const line of lines.slice(linesAtKill)) {
        const m = /^start (\S+)/.exec(line);
        if (m) assert.ok(!succeededAtKill.has(m[1]!), `${m[1]} was recorded succeeded before a kill and started again`);
      }
    }
    // Every task's side effect completed at least once.
    const ended = new Set(lines.filter((l) => l.startsWith('end ')).map((l) => l.slice(4)));
    assert.equal(ended.size, 200);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
