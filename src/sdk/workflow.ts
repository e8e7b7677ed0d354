/**
 * Workflows in TypeScript. The builder assembles the same plain document a YAML file would hold
 * and hands it to the spec compiler, so code and YAML share one validation path and produce the
 * same WorkflowSpec. Task references replace id strings (`needs: [prep]`), and typed outputs turn
 * into expression strings (`train.outputs('model')` -> `tasks.train.outputs.model`).
 *
 *   const wf = workflow({ name: 'ml-train', priority: 'high', deadline: '2h', params: { epochs: 10 } });
 *   const prep = wf.task<{ files: string[] }>('prep', { run: 'python prep.py' });
 *   wf.task('train', { needs: [prep], foreach: prep.outputs('files'), run: `train ${template(expr.item)}` });
 *   export default wf.build();
 */
import type { WorkflowSpec } from '../core/model.js';
import { compileWorkflowDocument, type CompileResult } from '../core/spec/compile.js';
import { formatPath, specInvalidError } from '../core/spec/issues.js';
import type { SpecLimits } from '../core/spec/limits.js';
import type { DefaultsDoc, TaskDoc, WorkflowDoc } from '../core/spec/schema.js';
import type { FunctionDefinition } from './functions.js';
import { FunctionRegistry } from './functions.js';

/** A param: its default value, or the long form. */
export type ParamInput = unknown;

export interface WorkflowOptions<P extends Record<string, ParamInput> = Record<string, ParamInput>> {
  readonly name: string;
  readonly namespace?: string;
  readonly description?: string;
  readonly priority?: 'high' | 'normal' | 'low' | number;
  /** A duration after the run starts (`2h`) or an ISO 8601 timestamp. */
  readonly deadline?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly params?: P;
  readonly defaults?: DefaultsDoc;
}

/** A task as in YAML, except that `needs` takes task references and `fn` a defined function. */
export type TaskOptions = Omit<TaskDoc, 'needs' | 'fn'> & {
  readonly needs?: readonly (TaskRef | string)[] | TaskRef | string;
  readonly fn?: string | FunctionDefinition;
};

type Outputs = Record<string, unknown>;

// Jexl identifiers cannot hold `-` (it is subtraction), so such keys use the bracket form.
const JEXL_IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `['tasks', 'fetch-data', 'outputs']` -> `tasks["fetch-data"].outputs`. */
function exprPath(segments: readonly string[]): string {
  return segments.map((s, i) => (JEXL_IDENT.test(s) ? (i === 0 ? s : `.${s}`) : `[${JSON.stringify(s)}]`)).join('');
}

/** A task added to a builder; `O` types the outputs it publishes. */
export class TaskRef<O extends Outputs = Outputs> {
  readonly id: string;
  constructor(id: string) {
    this.id = id;
  }

  /** Expression reading one output: `tasks.<id>.outputs.<key>` (for `when`, `foreach`, templates). */
  outputs<K extends keyof O & string>(key: K): string {
    return exprPath(['tasks', this.id, 'outputs', key]);
  }

  /** Expression reading the task's state (`succeeded`, `failed`, `skipped`, ...). */
  get state(): string {
    return exprPath(['tasks', this.id, 'state']);
  }
}

/** Expressions of the context that are not tied to a task. */
export const expr = {
  item: 'item',
  index: 'index',
  runId: 'run.id',
  param: (name: string): string => exprPath(['params', name]),
} as const;

/** `${{ e }}`: puts an expression into a command, URL, header or env value. */
export function template(e: string): string {
  return `\${{ ${e} }}`;
}

export class WorkflowBuilder<P extends Record<string, ParamInput> = Record<string, ParamInput>> {
  readonly #options: WorkflowOptions<P>;
  readonly #tasks = new Map<string, TaskDoc>();
  readonly #functions: FunctionDefinition[] = [];
  // Ids added twice; the document (a map) keeps the last, `validate()` reports them.
  readonly #duplicates: string[] = [];

  constructor(options: WorkflowOptions<P>) {
    this.#options = options;
  }

  /** Adds a task; ids are unique (a repeated id is reported by `build()`, like a YAML duplicate). */
  task<O extends Outputs = Outputs>(id: string, opts: TaskOptions): TaskRef<O> {
    const { needs, fn, ...rest } = opts;
    const list = needs === undefined ? undefined : Array.isArray(needs) ? needs : [needs as TaskRef | string];
    const doc: TaskDoc = { ...rest };
    if (list !== undefined) doc.needs = list.map((n) => (typeof n === 'string' ? n : n.id));
    if (fn !== undefined) {
      if (typeof fn === 'string') doc.fn = fn;
      else {
        doc.fn = fn.name;
        this.#functions.push(fn);
      }
    }
    if (this.#tasks.has(id)) this.#duplicates.push(id);
    this.#tasks.set(id, doc);
    return new TaskRef<O>(id);
  }

  /** Expression reading a declared param: `params.<name>`. */
  param<K extends keyof P & string>(name: K): string {
    return expr.param(name);
  }

  /** The plain document, exactly what the equivalent YAML file would hold. */
  document(): WorkflowDoc {
    const o = this.#options;
    const doc: WorkflowDoc = { name: o.name, tasks: Object.fromEntries(this.#tasks) };
    if (o.namespace !== undefined) doc.namespace = o.namespace;
    if (o.description !== undefined) doc.description = o.description;
    if (o.priority !== undefined) doc.priority = o.priority;
    if (o.deadline !== undefined) doc.deadline = o.deadline;
    if (o.labels !== undefined) doc.labels = { ...o.labels };
    if (o.params !== undefined) doc.params = { ...o.params };
    if (o.defaults !== undefined) doc.defaults = o.defaults;
    return doc;
  }

  /** Compiles without throwing: the WorkflowSpec or every issue. */
  validate(limits?: Partial<SpecLimits>): CompileResult {
    const r = compileWorkflowDocument(this.document(), limits === undefined ? {} : { limits });
    if (this.#duplicates.length === 0) return r;
    const dup = this.#duplicates.map((id) => ({ code: 'DUPLICATE_TASK' as const, path: formatPath(['tasks', id]), message: `task \`${id}\` is defined twice` }));
    return { ok: false, errors: [...dup, ...(r.ok ? [] : r.errors)] };
  }

  /** The compiled WorkflowSpec; throws KairosError(SPEC_INVALID) listing every issue. */
  build(limits?: Partial<SpecLimits>): WorkflowSpec {
    const r = this.validate(limits);
    if (!r.ok) throw specInvalidError(r.errors, `workflow \`${this.#options.name}\``);
    return r.spec;
  }

  /** A registry holding the functions given as `fn: defineFunction(...)` to this workflow's tasks. */
  registry(into: FunctionRegistry = new FunctionRegistry()): FunctionRegistry {
    for (const f of this.#functions) into.add(f);
    return into;
  }
}

export function workflow<P extends Record<string, ParamInput> = Record<string, ParamInput>>(options: WorkflowOptions<P>): WorkflowBuilder<P> {
  return new WorkflowBuilder(options);
}
