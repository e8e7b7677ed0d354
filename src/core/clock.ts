/**
 * Time and randomness enter `core` and `sched` only through these interfaces, so the same code
 * runs under real time in the engine and virtual time in the simulator (DESIGN.md, "The one idea").
 */

/** Milliseconds since the Unix epoch (engine) or since the start of a simulation (simulator). */
export interface Clock {
  now(): number;
}

/** A source of uniform random numbers in [0, 1). */
export interface Rng {
  next(): number;
}

/** A clock whose time only moves when told to: the simulator's, and every test's. */
export class ManualClock implements Clock {
  #now: number;
  constructor(start = 0) {
    this.#now = start;
  }
  now(): number {
    return this.#now;
  }
  set(ms: number): void {
    this.#now = ms;
  }
  advance(ms: number): void {
    this.#now += ms;
  }
}

/**
 * Deterministic seeded generator (mulberry32): 32-bit state, period 2^32, fast and good enough
 * for scheduling jitter and simulation; not for cryptography. The same seed gives the same
 * sequence on every platform, which is what pins the simulator's golden runs.
 */
export class SeededRng implements Rng {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** Exponentially distributed value with the given mean (Poisson inter-arrival gaps). */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }
  /** A child generator with an independent stream, derived deterministically. */
  fork(): SeededRng {
    return new SeededRng(Math.floor(this.next() * 4294967296) ^ 0x9e3779b9);
  }
}
