/** Read-only commands: `runs`, `status`, `logs`. */
import type { Command } from 'commander';
import { createReadStream, existsSync, readdirSync, statSync, watch } from 'node:fs';
import { join } from 'node:path';
import { describeWaitReason } from '../../core/wait-reason.js';
import { stateDir, openStore, STORE_OPTION_HELP } from '../state.js';
import { CliExit } from '../fail.js';
import { elapsed } from '../display.js';
import type { RunRow, Store } from '../../store/types.js';

function duration(r: { startedAt: number | null; finishedAt: number | null }): string {
  return r.startedAt === null ? '' : elapsed((r.finishedAt ?? Date.now()) - r.startedAt);
}

async function getRunOrExit(dir: string, id: string, url?: string): Promise<{ run: RunRow; close: () => Promise<void>; store: Store }> {
  const store = await openStore(dir, url);
  const run = await store.getRun(id);
  if (!run) {
    await store.close();
    throw new CliExit(3, `run '${id}' not found in ${dir} (see \`kairos runs\`)`);
  }
  return { run, store, close: () => store.close() };
}

export function registerInspect(program: Command): void {
  program
    .command('runs')
    .description('list recent runs')
    .option('--state <dir>', 'state folder')
    .option('--store <url>', STORE_OPTION_HELP)
    .option('--status <state>', 'only runs in this state (running, succeeded, failed, cancelled)')
    .option('--search <text>', 'partial match on run id, workflow name and labels')
    .option('--limit <n>', 'most runs to list', (v) => parseInt(v, 10), 20)
    .option('--json', 'print JSON')
    .action(async (opts: { state?: string; store?: string; status?: string; search?: string; limit: number; json?: boolean }) => {
      const store = await openStore(stateDir(opts.state), opts.store);
      const runs = await store.listRuns({
        ...(opts.status ? { state: opts.status as RunRow['state'] } : {}),
        ...(opts.search ? { search: opts.search } : {}),
        limit: opts.limit,
      });
      await store.close();
      if (opts.json) return void process.stdout.write(JSON.stringify(runs.map((r) => ({ ...r, spec: undefined })), null, 2) + '\n');
      if (runs.length === 0) return void process.stdout.write('no runs yet: start one with `kairos run FILE`\n');
      process.stdout.write(`${'RUN'.padEnd(22)} ${'WORKFLOW'.padEnd(20)} ${'STATE'.padEnd(12)} ${'STARTED'.padEnd(20)} DURATION\n`);
      for (const r of runs) {
        const started = new Date(r.createdAt).toISOString().slice(0, 19).replace('T', ' ');
        process.stdout.write(`${r.id.padEnd(22)} ${r.workflow.padEnd(20)} ${r.state.padEnd(12)} ${started.padEnd(20)} ${duration(r)}\n`);
      }
    });

  program
    .command('status')
    .description('show a run and its tasks, with why each waiting task waits')
    .argument('<run>', 'run id')
    .option('--state <dir>', 'state folder')
    .option('--store <url>', STORE_OPTION_HELP)
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { state?: string; store?: string; json?: boolean }) => {
      const { run, store, close } = await getRunOrExit(stateDir(opts.state), id, opts.store);
      const tasks = await store.getTasks(id);
      const attempts = await store.getAttempts(id);
      await close();
      if (opts.json) return void process.stdout.write(JSON.stringify({ ...run, spec: undefined, tasks, attempts }, null, 2) + '\n');
      process.stdout.write(`run ${run.id}  workflow ${run.workflow}  ${run.state}  ${duration(run)}\n`);
      if (run.error) process.stdout.write(`  ${run.error}\n`);
      const instances = new Map<string, number>();
      for (const t of tasks) if (t.specId !== null) instances.set(t.specId, (instances.get(t.specId) ?? 0) + 1);
      for (const t of tasks) {
        const why = t.reason ? `  (${describeWaitReason(t.reason)})` : t.error && t.state !== 'succeeded' ? `  ${t.error}` : '';
        const tries = instances.has(t.taskId) ? `foreach x${instances.get(t.taskId)}` : `attempts ${t.attempt}`;
        process.stdout.write(`  ${t.taskId.padEnd(28)} ${t.state.padEnd(12)} ${tries.padEnd(11)} ${duration(t).padStart(7)}${why}\n`);
      }
    });

  program
    .command('logs')
    .description("print a task's log (the latest attempt unless --attempt)")
    .argument('<run>', 'run id')
    .argument('<task>', 'task id')
    .option('--state <dir>', 'state folder')
    .option('--store <url>', STORE_OPTION_HELP)
    .option('--attempt <n>', 'attempt number', (v) => parseInt(v, 10))
    .option('-f, --follow', 'keep printing as the log grows, until the task ends')
    .action(async (id: string, taskId: string, opts: { state?: string; store?: string; attempt?: number; follow?: boolean }) => {
      const dir = stateDir(opts.state);
      const { store, close } = await getRunOrExit(dir, id, opts.store);
      const task = (await store.getTasks(id)).find((t) => t.taskId === taskId);
      if (!task) {
        await close();
        throw new CliExit(3, `task '${taskId}' not found in run ${id} (see \`kairos status ${id}\`)`);
      }
      const logDir = join(dir, 'logs', id);
      const attempt = opts.attempt ?? task.attempt;
      const file = join(logDir, `${taskId}.${attempt}.log`);
      if (!existsSync(file)) {
        await close();
        const have = existsSync(logDir) ? readdirSync(logDir).filter((f) => f.startsWith(`${taskId}.`)) : [];
        if (!opts.follow) throw new CliExit(3, `no log for ${taskId} attempt ${attempt}${have.length ? ` (have: ${have.join(', ')})` : ' (it has not run yet, or wrote nothing)'}`);
      }
      let offset = 0;
      const pump = () =>
        new Promise<void>((resolve) => {
          if (!existsSync(file)) return resolve();
          const size = statSync(file).size;
          if (size <= offset) return resolve();
          createReadStream(file, { start: offset, end: size - 1 }).on('end', resolve).pipe(process.stdout, { end: false });
          offset = size;
        });
      await pump();
      if (!opts.follow) return void (await close());
      const watcher = existsSync(logDir) ? watch(logDir, () => void pump()) : null;
      // Follow until the task settles (checked once a second).
      for (;;) {
        await new Promise((r) => setTimeout(r, 1000));
        await pump();
        const t = (await store.getTasks(id)).find((x) => x.taskId === taskId);
        if (!t || ['succeeded', 'failed', 'timed_out', 'skipped', 'cancelled', 'compensated'].includes(t.state)) break;
      }
      watcher?.close();
      await close();
    });
}
