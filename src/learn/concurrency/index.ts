/**
 * Adaptive concurrency per pool (issue 7): a gradient limiter and an AIMD limiter behind one
 * interface. See docs/self-tuning.md, "Adaptive concurrency".
 */
export * from './types.js';
export { SampleWindow, LimiterBase } from './window.js';
export { GradientLimiter, GRADIENT_DEFAULTS, type GradientOptions } from './gradient.js';
export { AimdLimiter, AIMD_DEFAULTS, type AimdOptions } from './aimd.js';

import { AimdLimiter, type AimdOptions } from './aimd.js';
import { GradientLimiter, type GradientOptions } from './gradient.js';
import type { ConcurrencyController } from './types.js';

export type ControllerSpec = ({ readonly kind: 'gradient' } & GradientOptions) | ({ readonly kind: 'aimd' } & AimdOptions);

/** Builds a controller from plain settings (e.g. a pool's configuration). */
export function createConcurrencyController(spec: ControllerSpec): ConcurrencyController {
  if (spec.kind === 'gradient') return new GradientLimiter(spec);
  if (spec.kind === 'aimd') return new AimdLimiter(spec);
  throw new TypeError(`unknown concurrency controller '${(spec as { kind: unknown }).kind}' (gradient, aimd)`);
}
