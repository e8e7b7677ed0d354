/**
 * TypeBox schemas of every request and the main responses: Fastify validates requests with them
 * and @fastify/swagger builds the OpenAPI document (/docs) from the same objects, so the two
 * never disagree. Bodies are validated strictly (no type coercion, unknown fields rejected);
 * query strings and path parameters are coerced from text.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { API_ERRORS } from './errors.js';

const Id = Type.String({ minLength: 1, maxLength: 256 });
const Name = Type.String({ minLength: 1, maxLength: 256 });
const Millis = Type.Union([Type.Integer(), Type.Null()], { description: 'Unix epoch milliseconds, or null' });
const Json = Type.Unknown();

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.Union(Object.keys(API_ERRORS).map((c) => Type.Literal(c))),
      message: Type.String(),
      field: Type.Optional(Type.String()),
      line: Type.Optional(Type.Integer()),
      column: Type.Optional(Type.Integer()),
      issues: Type.Optional(Type.Array(Json)),
      retryable: Type.Optional(Type.Boolean()),
    }),
  },
  { $id: 'Error' },
);

/** Responses with their error statuses, for the OpenAPI document. */
export function responses(ok: Record<number, TSchema>, errors: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = { ...ok };
  for (const s of errors) out[s] = Type.Ref(ErrorResponse);
  return out;
}

export const RunState = Type.Union(['running', 'succeeded', 'failed', 'cancelled', 'compensating'].map((s) => Type.Literal(s)));

export const Run = Type.Object({
  id: Id,
  workflow: Name,
  namespace: Name,
  priority: Type.Number(),
  state: RunState,
  params: Type.Record(Type.String(), Json),
  labels: Type.Record(Type.String(), Type.String()),
  createdAt: Type.Integer(),
  startedAt: Millis,
  finishedAt: Millis,
  deadlineAt: Millis,
  error: Type.Union([Type.String(), Type.Null()]),
  paused: Type.Boolean(),
}, { $id: 'Run' });

export const Task = Type.Object({
  id: Id,
  specId: Type.Union([Type.String(), Type.Null()]),
  itemIndex: Type.Union([Type.Integer(), Type.Null()]),
  item: Json,
  needs: Type.Array(Type.String()),
  state: Type.String(),
  attempt: Type.Integer(),
  readyAt: Millis,
  startedAt: Millis,
  finishedAt: Millis,
  retryAt: Millis,
  worker: Type.Union([Type.String(), Type.Null()]),
  outputs: Json,
  error: Type.Union([Type.String(), Type.Null()]),
  reason: Json,
  reasonText: Type.Union([Type.String(), Type.Null()]),
}, { $id: 'Task' });

export const RunWithTasks = Type.Object({ run: Type.Ref(Run), tasks: Type.Array(Type.Ref(Task)) });

export const Attempt = Type.Object({
  attempt: Type.Integer(),
  kind: Type.String(),
  status: Type.String(),
  worker: Type.Union([Type.String(), Type.Null()]),
  startedAt: Type.Integer(),
  finishedAt: Millis,
  exitCode: Type.Union([Type.Integer(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
});

export const WorkflowSummary = Type.Object({
  name: Name,
  namespace: Name,
  version: Type.Integer(),
  createdAt: Type.Integer(),
  tasks: Type.Integer(),
  description: Type.Union([Type.String(), Type.Null()]),
}, { $id: 'WorkflowSummary' });

// ---- requests ----

export const RegisterWorkflowBody = Type.Object(
  {
    source: Type.Optional(Type.String({ description: 'The spec as YAML or JSON text (errors carry its line numbers)' })),
    spec: Type.Optional(Type.Record(Type.String(), Json, { description: 'The spec as a JSON object' })),
  },
  { additionalProperties: false, description: 'Exactly one of `source` or `spec`. A raw YAML body (Content-Type: application/yaml) is accepted too.' },
);

export const WorkflowParams = Type.Object({ name: Name });
export const WorkflowQuery = Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false });

export const SubmitRunBody = Type.Object(
  {
    workflow: Name,
    version: Type.Optional(Type.Integer({ minimum: 1 })),
    params: Type.Optional(Type.Record(Type.String(), Json)),
    labels: Type.Optional(Type.Record(Type.String({ maxLength: 128 }), Type.String({ maxLength: 1024 }))),
  },
  { additionalProperties: false },
);

export const RunsQuery = Type.Object(
  {
    state: Type.Optional(RunState),
    namespace: Type.Optional(Name),
    workflow: Type.Optional(Name),
    priority: Type.Optional(Type.Number({ description: 'Exact run priority' })),
    since: Type.Optional(Type.String({ maxLength: 64, description: 'ISO 8601 time or Unix epoch milliseconds' })),
    search: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'Partial match on run id, workflow name and label values' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);

export const RunParams = Type.Object({ id: Id });
export const TaskParams = Type.Object({ id: Id, task: Id });
export const RetryBody = Type.Union([
  Type.Object({ task: Type.Optional(Id) }, { additionalProperties: false }),
  Type.Null(),
]);

const Flag = Type.Union([Type.Literal('1'), Type.Literal('0'), Type.Literal('true'), Type.Literal('false')]);
export const LogsQuery = Type.Object(
  { attempt: Type.Optional(Type.Integer({ minimum: 1 })), follow: Type.Optional(Flag) },
  { additionalProperties: false },
);

export const PolicyBody = Type.Object(
  {
    policy: Type.String({ minLength: 1, maxLength: 64 }),
    settings: Type.Optional(Type.Record(Type.String(), Json)),
    admission: Type.Optional(Type.Union([Type.Literal('greedy'), Type.Literal('strict'), Type.Literal('backfill')])),
    headTimeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
    headRetries: Type.Optional(Type.Integer({ minimum: 0 })),
    quotas: Type.Optional(Type.Record(Type.String(), Type.Record(Type.String(), Type.Number({ minimum: 0 })))),
  },
  { additionalProperties: false },
);

export const EventsQuery = Type.Object({ run: Type.Optional(Id) }, { additionalProperties: false });
export const QueuesQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 500 })) }, { additionalProperties: false });

export const ConcurrencyBody = Type.Object(
  { concurrency: Type.Integer({ minimum: 1, maximum: 100_000, description: 'Attempts that may run at once on the local worker' }) },
  { additionalProperties: false },
);
