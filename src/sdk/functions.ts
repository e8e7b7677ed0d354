/**
 * Registered TypeScript functions: the handlers behind `fn:` tasks. A registry maps names to
 * handlers and is what the engine looks handlers up in (it reads it as a `ReadonlyMap`). Names
 * are registered once: registering a second handler under a taken name is a bug in the caller
 * (two modules fighting over `sendSlack`), so it throws instead of silently replacing.
 */
import { KairosError } from '../core/errors.js';
import type { FnHandler } from '../exec/types.js';

export interface FunctionDefinition {
  readonly name: string;
  readonly handler: FnHandler;
}

const FN_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;

/** Names a handler so it can be registered and referenced from tasks (`fn: sendSlack`). */
export function defineFunction(name: string, handler: FnHandler): FunctionDefinition {
  if (!FN_NAME.test(name)) {
    throw new KairosError('SPEC_INVALID', `function name \`${name}\` must match ${FN_NAME.source}`, { field: 'fn' });
  }
  if (typeof handler !== 'function') throw new KairosError('SPEC_INVALID', `function \`${name}\`: handler is not a function`, { field: 'fn' });
  return Object.freeze({ name, handler });
}

export class FunctionRegistry implements ReadonlyMap<string, FnHandler> {
  readonly #map = new Map<string, FnHandler>();

  constructor(defs: Iterable<FunctionDefinition> = []) {
    for (const d of defs) this.add(d);
  }

  /** Registers `handler` under `name`; throws if the name is taken by another handler. */
  register(name: string, handler: FnHandler): this {
    return this.add(defineFunction(name, handler));
  }

  add(def: FunctionDefinition): this {
    const existing = this.#map.get(def.name);
    if (existing !== undefined && existing !== def.handler) {
      throw new KairosError('SPEC_INVALID', `function \`${def.name}\` is already registered with another handler`, { field: 'fn' });
    }
    this.#map.set(def.name, def.handler);
    return this;
  }

  get(name: string): FnHandler | undefined {
    return this.#map.get(name);
  }

  has(name: string): boolean {
    return this.#map.has(name);
  }

  get size(): number {
    return this.#map.size;
  }

  forEach(cb: (value: FnHandler, key: string, map: ReadonlyMap<string, FnHandler>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.#map) cb.call(thisArg, v, k, this);
  }

  entries(): MapIterator<[string, FnHandler]> {
    return this.#map.entries();
  }

  keys(): MapIterator<string> {
    return this.#map.keys();
  }

  values(): MapIterator<FnHandler> {
    return this.#map.values();
  }

  [Symbol.iterator](): MapIterator<[string, FnHandler]> {
    return this.#map[Symbol.iterator]();
  }
}
