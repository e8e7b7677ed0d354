/**
 * The structure of a workflow document, as one TypeBox schema. It validates every document
 * (structure only: values such as durations and expressions are checked by the compiler, which
 * has to parse them anyway) and drives docs/spec.md (scripts/gen-spec-docs.ts), so the docs can
 * never list a field the parser does not know.
 *
 * Annotations read by the validator and the docs generator:
 *   `title`        names a section of the reference (objects shown as their own table);
 *   `description`  the field's documentation;
 *   `default`      the documented default (applied by the compiler, not by the schema);
 *   `x-hint`       what a value of this field looks like, used in "expected ..." messages;
 *   `x-type`       a short type name for the reference tables (`duration`, `size`, ...).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { CPU_FORMS, DURATION_FORMS, SIZE_FORMS } from '../units.js';

const Duration = (description: string, extra: Record<string, unknown> = {}) =>
  Type.String({ description, 'x-hint': DURATION_FORMS, 'x-type': 'duration', ...extra });

const Expression = (description: string) => Type.String({ description, 'x-hint': 'an expression (a string)', 'x-type': 'expression' });

const PriorityValue = (description: string, dflt: string) =>
  Type.Union([Type.Literal('high'), Type.Literal('normal'), Type.Literal('low'), Type.Number({ minimum: 0, maximum: 1_000_000 })], {
    'x-hint': '`high`, `normal`, `low` or a number (larger runs first)',
    'x-type': 'priority',
    description,
    default: dflt,
  });

export const RetryObject = Type.Object(
  {
    max: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, description: 'Retries after the first attempt (0 = run once).', default: 0 })),
    backoff: Type.Optional(
      Type.Union([Type.Literal('exponential'), Type.Literal('fixed')], {
        description: '`exponential` doubles the delay each retry (capped at `max_delay`); `fixed` always waits `initial`.',
        default: 'exponential',
      }),
    ),
    initial: Type.Optional(Duration('Delay before the first retry.', { default: '1s' })),
    max_delay: Type.Optional(Duration('Largest delay between retries.', { default: '5m' })),
    jitter: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1,
        description: 'Fraction of each delay randomised downwards (0 = none, 1 = full jitter), so tasks failing together do not retry in lockstep.',
        default: 0.5,
      }),
    ),
  },
  { additionalProperties: false, title: 'Retries' },
);

export const Retries = Type.Union([Type.Integer({ minimum: 0, maximum: 1000 }), RetryObject], {
  'x-hint': 'a number of retries like `3` or an object `{max, backoff, initial, max_delay, jitter}`',
  description: 'Retry policy; `retries: 3` is short for `{max: 3}`.',
});

export const ResourcesSchema = Type.Object(
  {
    cpu: Type.Optional(Type.Union([Type.Number(), Type.String()], { description: `CPU cores: ${CPU_FORMS}.`, 'x-hint': CPU_FORMS, 'x-type': 'cpu', default: 1 })),
    memory: Type.Optional(Type.Union([Type.Number(), Type.String()], { description: `Memory: ${SIZE_FORMS}.`, 'x-hint': SIZE_FORMS, 'x-type': 'size' })),
    gpu: Type.Optional(Type.Number({ minimum: 0, description: 'GPU devices.' })),
  },
  {
    additionalProperties: Type.Number({ minimum: 0, 'x-hint': 'a number (custom resources are plain counts)' }),
    title: 'Resources',
    description: 'What one attempt needs to start. Any other name is a custom resource counted in its own units (e.g. `licenses: 1`); a worker must offer it.',
  },
);

export const SecretEnvObject = Type.Object(
  {
    value: Type.Union([Type.String(), Type.Number(), Type.Boolean()], { description: 'The value; may hold `${{ }}` templates.' }),
    secret: Type.Optional(Type.Boolean({ description: 'Never show the value in logs, events or pages.', default: false })),
  },
  { additionalProperties: false, title: 'Secret env value', description: 'The long form of an env value.' },
);

export const EnvValue = Type.Union(
  [Type.String(), Type.Number(), Type.Boolean(), SecretEnvObject],
  { 'x-hint': 'a string, number, boolean or `{value, secret}`' },
);

export const EnvSchema = Type.Record(Type.String(), EnvValue, {
  description: 'Environment variables added to the process. Names like `^[A-Za-z_][A-Za-z0-9_]*$`; values may hold `${{ }}` templates.',
});

export const HttpSchema = Type.Object(
  {
    method: Type.Optional(
      Type.Union(
        ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'].map((m) => Type.Literal(m)),
        { description: 'HTTP method.', default: 'GET', 'x-hint': 'one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS' },
      ),
    ),
    url: Type.String({ description: 'Request URL (http or https); may hold `${{ }}` templates.' }),
    headers: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Request headers; values may hold templates.' })),
    body: Type.Optional(Type.Unknown({ description: 'Request body: a string (templated) or any value, sent as JSON.' })),
    expect: Type.Optional(
      Type.Union([Type.Integer({ minimum: 100, maximum: 599 }), Type.Array(Type.Integer({ minimum: 100, maximum: 599 }), { minItems: 1 })], {
        description: 'Status codes that count as success.',
        default: '200-299',
        'x-hint': 'a status code or a list of status codes',
      }),
    ),
  },
  { additionalProperties: false, title: 'HTTP action' },
);

export const OutputsObject = Type.Object(
  {
    stdout: Type.Optional(Type.Boolean({ description: 'Read `::kairos-output {json}` lines from stdout.', default: true })),
    file: Type.Optional(Type.String({ description: 'A JSON file (relative to `cwd`) the task writes; read after it exits.' })),
  },
  { additionalProperties: false, title: 'Outputs', description: 'The long form of `outputs`.' },
);

export const OutputsSchema = Type.Union(
  [
    Type.Literal('stdout'),
    Type.Literal('none'),
    OutputsObject,
  ],
  {
    description: 'Where the task publishes outputs: `stdout` (lines `::kairos-output {"k": ...}`), `none`, or `{stdout, file}`.',
    default: 'stdout',
    'x-hint': '`stdout`, `none` or `{stdout, file}`',
  },
);

export const CompensateObject = Type.Object(
  {
    run: Type.Optional(Type.String({ description: 'Shell command.' })),
    shell: Type.Optional(Type.String({ description: 'Shell for `run`.', default: 'bash' })),
    http: Type.Optional(HttpSchema),
    fn: Type.Optional(Type.String({ description: 'Registered function.' })),
    args: Type.Optional(Type.Unknown({ description: 'Arguments for `fn`.' })),
  },
  { additionalProperties: false, title: 'Compensation' },
);

export const TaskSchema = Type.Object(
  {
    description: Type.Optional(Type.String({ description: 'Free text.' })),
    needs: Type.Optional(
      Type.Union([Type.String(), Type.Array(Type.String())], {
        description: 'Task ids that must succeed first (a DAG: no cycles). A single id may be given as a string.',
        'x-hint': 'a task id or a list of task ids',
      }),
    ),
    when: Type.Optional(
      Type.Union([Type.String(), Type.Boolean()], {
        description: 'Condition (an expression); false skips the task (and what needs it). It may read `params` and the `tasks` it depends on, directly or not.',
        'x-hint': 'an expression (a string) or a boolean',
        'x-type': 'expression | boolean',
      }),
    ),
    foreach: Type.Optional(Expression('Expression giving a list: one task instance per item, with `item` and `index` in its expressions.')),
    run: Type.Optional(Type.String({ description: 'Shell command (run with `shell -c`). `${{ }}` values reach it as data, never as code.' })),
    shell: Type.Optional(Type.String({ description: 'Shell that runs `run` and shell `compensate` commands.', default: 'bash' })),
    http: Type.Optional(HttpSchema),
    fn: Type.Optional(Type.String({ description: 'Name of a registered TypeScript function (SDK `FunctionRegistry`).' })),
    args: Type.Optional(Type.Unknown({ description: 'Arguments passed to `fn` as `ctx.args`.' })),
    outputs: Type.Optional(OutputsSchema),
    estimate: Type.Optional(Duration('Expected runtime, a hint for shortest-job-first scheduling before history exists.')),
    compensate: Type.Optional(
      Type.Union([Type.String(), CompensateObject], {
        description: 'Run when the workflow fails for good after this task succeeded (rollback). A string is a shell command.',
        'x-hint': 'a shell command or an object with one of `run`, `http`, `fn`',
      }),
    ),
    env: Type.Optional(EnvSchema),
    cwd: Type.Optional(Type.String({ description: 'Working directory of the process.' })),
    retries: Type.Optional(Retries),
    timeout: Type.Optional(Duration('Wall-clock limit of one attempt.', { default: 'none' })),
    priority: Type.Optional(PriorityValue('Priority of this task: `high` (100), `normal` (50), `low` (10) or a number.', 'the workflow priority')),
    deadline: Type.Optional(Duration('Deadline of this task, after the run starts.')),
    resources: Type.Optional(ResourcesSchema),
    pool: Type.Optional(Type.String({ description: 'Worker pool the task must run in (`kairos worker --pool NAME`). Default: any pool.', minLength: 1, maxLength: 128 })),
    selector: Type.Optional(
      Type.Record(Type.String(), Type.String(), {
        description: 'Worker labels the task requires, all of them (`kairos worker --labels k=v,...`). Default: none.',
        'x-hint': 'an object of label names to values, e.g. `{ zone: eu-1 }`',
      }),
    ),
  },
  { additionalProperties: false, title: 'Task', description: 'One unit of work. Exactly one of `run`, `http`, `fn`.' },
);

export const ParamObject = Type.Object(
  {
    default: Type.Optional(Type.Unknown({ description: 'Value used when the run does not give one.' })),
    description: Type.Optional(Type.String({ description: 'Free text.' })),
    required: Type.Optional(Type.Boolean({ description: 'Must be given at submit. Default: true exactly when there is no `default`.' })),
  },
  { additionalProperties: false, title: 'Param' },
);

export const DefaultsSchema = Type.Object(
  {
    retries: Type.Optional(Retries),
    timeout: Type.Optional(Duration('Wall-clock limit of one attempt.')),
    resources: Type.Optional(ResourcesSchema),
    shell: Type.Optional(Type.String({ description: 'Shell for `run` commands.', default: 'bash' })),
    env: Type.Optional(EnvSchema),
    cwd: Type.Optional(Type.String({ description: 'Working directory.' })),
  },
  {
    additionalProperties: false,
    title: 'Defaults',
    description: 'Applied to every task that does not set the field itself (`env` is merged, the task winning).',
  },
);

export const WorkflowSchema = Type.Object(
  {
    name: Type.String({ description: 'Workflow name: lower-case letters, digits, `_`, `.`, `-`; starts with a letter or digit; at most 128 characters.' }),
    namespace: Type.Optional(Type.String({ description: 'Namespace (quotas, fair share, permissions); same form as `name`.', default: 'default' })),
    description: Type.Optional(Type.String({ description: 'Free text.' })),
    priority: Type.Optional(PriorityValue('Priority of every task: `high` (100), `normal` (50), `low` (10) or a number; larger runs first.', 'normal')),
    deadline: Type.Optional(
      Type.String({
        description: 'Run deadline: a duration after the run starts (`90m`) or an ISO 8601 timestamp with a zone (`2024-06-01T06:00:00Z`).',
        'x-hint': `${DURATION_FORMS}, or an ISO 8601 timestamp`,
        'x-type': 'duration | timestamp',
      }),
    ),
    labels: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Free key/value strings, for search and grouping.' })),
    params: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'Inputs of a run, by name (`^[A-Za-z_][A-Za-z0-9_]*$`): either a default value (shorthand), or a `Param` object. An empty value (`files:`) is a required param.',
      }),
    ),
    defaults: Type.Optional(DefaultsSchema),
    tasks: Type.Record(Type.String(), TaskSchema, {
      description: 'Tasks by id (`^[A-Za-z_][A-Za-z0-9_-]*$`), in declaration order.',
    }),
  },
  { additionalProperties: false, title: 'Workflow', description: 'The document root.' },
);

/** The document shapes, as TypeScript types (what the SDK accepts). */
export type WorkflowDoc = Static<typeof WorkflowSchema>;
export type TaskDoc = Static<typeof TaskSchema>;
export type RetriesDoc = Static<typeof Retries>;
export type ResourcesDoc = Static<typeof ResourcesSchema>;
export type HttpDoc = Static<typeof HttpSchema>;
export type EnvDoc = Static<typeof EnvSchema>;
export type OutputsDoc = Static<typeof OutputsSchema>;
export type CompensateDoc = Static<typeof CompensateObject>;
export type ParamDoc = Static<typeof ParamObject>;
export type DefaultsDoc = Static<typeof DefaultsSchema>;

/** Sections of the reference, in order (docs generator). */
export const DOC_SECTIONS: readonly TSchema[] = [
  WorkflowSchema,
  ParamObject,
  DefaultsSchema,
  TaskSchema,
  RetryObject,
  ResourcesSchema,
  HttpSchema,
  OutputsObject,
  CompensateObject,
  SecretEnvObject,
];
