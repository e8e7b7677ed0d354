import type { Rng } from '../core/clock.js';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/**
 * Run ids sort by creation time and are short enough to type: `r` + base-36 milliseconds +
 * 6 random base-36 characters (2.1e9 combinations per millisecond).
 */
export function newRunId(now: number, rng: Rng): string {
  let suffix = '';
  for (let i = 0; i < 6; i++) suffix += ALPHABET[Math.floor(rng.next() * 36)];
  return `r${now.toString(36)}${suffix}`;
}
