/**
 * Start and stop of a server process.
 *
 * Start: the unfinished runs whose owner is gone (this server's previous life, killed or stopped)
 * are taken over by leadership.ts: succeeded tasks never rerun, interrupted attempts rerun.
 *
 * Graceful stop (SIGTERM/SIGINT), as a state table:
 *   serving   -> draining   submits and retries answer 503 SHUTTING_DOWN, /healthz 503; the
 *                           local worker is withdrawn from the scheduler so nothing new starts
 *   draining  -> closing    when no attempt is running, or `shutdownGraceMs` has passed
 *   closing   -> closed     streams end, attempts still running are killed (their rows stay
 *                           `running`: the next start reruns them as lost), the store closes
 * Every decision is already in the store (the engine commits before it acts), so nothing is
 * left to persist at the end but the store's own close.
 */
import type { FastifyInstance } from 'fastify';
import type { KairosContext } from './context.js';

const DRAIN_POLL_MS = 100;

/** Stops admitting, lets running attempts finish for up to `graceMs`, then closes the server. */
export async function shutdown(app: FastifyInstance & { kairos: KairosContext }, graceMs = app.kairos.config.shutdownGraceMs): Promise<void> {
  const k = app.kairos;
  if (k.draining) return;
  k.draining = true;
  const sched = k.engine.scheduler;
  for (const w of sched.workers()) sched.removeWorker(w.id);
  const until = Date.now() + graceMs;
  app.log.info({ running: sched.runningCount, graceMs }, 'shutting down: draining running attempts');
  while (sched.runningCount > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, DRAIN_POLL_MS));
  if (sched.runningCount > 0) app.log.warn({ running: sched.runningCount }, 'grace period over: stopping attempts still running (rerun on next start)');
  await app.close();
}

/** Wires SIGTERM and SIGINT to `shutdown`; a second signal exits at once. */
export function handleSignals(app: FastifyInstance & { kairos: KairosContext }, exit: (code: number) => void = process.exit): void {
  let stopping = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopping) return exit(130);
    stopping = true;
    app.log.info({ signal: sig }, 'signal received');
    shutdown(app).then(() => exit(0), (err) => {
      app.log.error({ err }, 'shutdown failed');
      exit(1);
    });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
