/**
 * Compiled WorkflowSpecs for the benchmark, built directly in code (a 20,000-task YAML would
 * measure the parser, not the engine). Every field of TaskSpec is filled; the immutable parts
 * (action, retries, resources, ...) are shared between tasks, as an SDK that builds a big
 * workflow in a loop would do — so the numbers measure the engine, not copies of constants.
 */
import type { TaskSpec, WorkflowSpec } from '../../src/core/model.js';

const NO_RETRIES = { max: 0, backoff: 'fixed', initialMs: 0, maxMs: 0, jitter: 0 } as const;
/**
 * `cpu: 0`, and one unit of the local worker's `slots` capacity (which the engine sets to its
 * `concurrency`). The explicit `slots: 1` is needed because the engine does not add it itself:
 * with `{ cpu: 0 }` alone nothing bounds the running attempts and `concurrency` has no effect
 * (reported in docs/benchmarks.md). `unbounded` shapes leave it out on purpose.
 */
const ONE_SLOT = { cpu: 0, slots: 1 } as const;
const NO_CPU = { cpu: 0 } as const;
const NO_OUTPUTS = { stdout: false } as const;
const EMPTY: Readonly<Record<string, string>> = {};
const NONE: readonly string[] = [];

function fnTask(id: string, fn: string, needs: readonly string[], bounded = true): TaskSpec {
  return {
    id, needs, action: { kind: 'fn', fn, args: null }, env: EMPTY, secretEnv: NONE, timeoutMs: null,
    retries: NO_RETRIES, resources: bounded ? ONE_SLOT : NO_CPU, priority: 50, deadlineMs: null, outputs: NO_OUTPUTS, estimateMs: null,
  };
}

function workflow(name: string, tasks: TaskSpec[]): WorkflowSpec {
  return { name, namespace: 'default', priority: 50, deadline: null, params: [], labels: {}, tasks };
}

/** `n` independent no-op fn tasks; `bounded`: each takes a concurrency slot. */
export function independent(n: number, bounded = true): WorkflowSpec {
  const tasks: TaskSpec[] = new Array(n);
  for (let i = 0; i < n; i++) tasks[i] = fnTask(`t${i}`, 'noop', NONE, bounded);
  return workflow('bench-independent', tasks);
}

/** `groups` groups of a parent and 3 children that need it (4 x groups tasks, 3 x groups edges). */
export function parentChildren(groups: number, bounded = true): WorkflowSpec {
  const tasks: TaskSpec[] = [];
  for (let g = 0; g < groups; g++) {
    const p = `g${g}`;
    const needs = [p];
    tasks.push(fnTask(p, 'noop', NONE, bounded));
    for (let c = 0; c < 3; c++) tasks.push(fnTask(`g${g}c${c}`, 'noop', needs, bounded));
  }
  return workflow('bench-dag', tasks);
}

/**
 * Memory-test shapes. The very first task (`g0`) runs `block` — a promise the benchmark resolves
 * at the end — so every other task stays pending while RSS is measured. Each group is a parent
 * `g<g>` and 3 children that need it (4 x groups tasks).
 *   fan    every parent g1.. needs g0 (depth 3). Cancelling it is shallow.
 *   chain  parent g<g> needs g<g-1>: a 250,000-deep chain for 1,000,000 tasks. Kept to reproduce
 *          the engine's recursive cancel/skip propagation, which overflows the stack on it.
 */
export function blocked(groups: number, shape: 'fan' | 'chain'): WorkflowSpec {
  const tasks: TaskSpec[] = [];
  const root = ['g0'];
  for (let g = 0; g < groups; g++) {
    const p = `g${g}`;
    const needs = [p];
    tasks.push(fnTask(p, g === 0 ? 'block' : 'noop', g === 0 ? NONE : shape === 'fan' ? root : [`g${g - 1}`]));
    for (let c = 0; c < 3; c++) tasks.push(fnTask(`g${g}c${c}`, 'noop', needs));
  }
  return workflow(`bench-memory-${shape}`, tasks);
}
