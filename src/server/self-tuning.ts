/**
 * The server's self-tuning settings (config keys autoConcurrency, autoShares, whatIfAuto, tuners;
 * docs/self-tuning.md) turned into engine options, and the what-if auto mode started beside the
 * engine. Everything is off unless configured.
 */
import type { Engine } from '../engine/engine.js';
import type { EngineOptions } from '../engine/engine-options.js';
import { WhatIfAuto } from '../engine/whatif-auto.js';
import type { ServerConfig } from './config.js';

export function engineTuningOptions(c: ServerConfig): Partial<EngineOptions> {
  return {
    ...(c.autoConcurrency !== null ? { autoConcurrency: c.autoConcurrency } : {}),
    ...(c.autoShares !== null ? { autoShares: c.autoShares } : {}),
    ...(c.tuners !== null && c.tuners !== undefined ? { tuners: c.tuners } : {}),
  };
}

/** Starts the what-if auto mode when configured; returns its stop function. */
export function startWhatIfAuto(engine: Engine, c: ServerConfig): () => void {
  if (c.whatIfAuto === null) return () => {};
  const auto = new WhatIfAuto(engine, c.whatIfAuto).start();
  return () => auto.stop();
}
