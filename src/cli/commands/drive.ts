/**
 * Drives one run in this process until it ends, with the live display, and turns the outcome
 * into the exit code: 0 succeeded, 1 failed or cancelled. Ctrl-C (SIGINT) or SIGTERM kills the
 * running attempts and leaves the run resumable (`kairos resume RUN`), exit 130.
 */
import type { Engine } from '../../engine/engine.js';
import type { RunRow, Store } from '../../store/types.js';
import { RunDisplay, elapsed } from '../display.js';
import { printRunSummary } from './summary.js';

export async function drive(engine: Engine, store: Store, run: RunRow, opts: { json: boolean }): Promise<number> {
  const live = engine.runs.get(run.id);
  const initial = live ? [...live.tasks.values()].map((t) => ({ taskId: t.id, state: t.row.state, attempt: t.row.attempt })) : [];
  const display = opts.json ? null : new RunDisplay(engine, run.id, initial);
  let interrupted = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    display?.stop();
    process.stderr.write(`\n${sig}: stopping; running attempts are killed. Resume with: kairos resume ${run.id}\n`);
    void engine.close({ kill: true }).then(() => store.close()).then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  engine.on('error', (err) => {
    process.stderr.write(`engine error: ${(err as Error)?.stack ?? err}\n`);
  });
  const final = await engine.wait(run.id);
  display?.stop();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  await engine.close();
  if (opts.json) {
    const tasks = await store.getTasks(run.id);
    process.stdout.write(JSON.stringify({ ...final, spec: undefined, tasks }, null, 2) + '\n');
  } else {
    await printRunSummary(store, final);
    process.stdout.write(`${final.state} in ${elapsed((final.finishedAt ?? Date.now()) - (final.startedAt ?? final.createdAt))}\n`);
  }
  return final.state === 'succeeded' ? 0 : 1;
}
