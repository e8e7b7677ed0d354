/**
 * Tasks of a run: one task with its attempts, and the log of an attempt, streamed as text.
 * `?follow=1` keeps the response open, sending what the attempt writes (polled every
 * FOLLOW_POLL_MS) until the attempt ends, then flushes the rest and ends.
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { TaskRow } from '../../store/types.js';
import type { KairosContext } from '../context.js';
import { ApiError } from '../errors.js';
import { Attempt, LogsQuery, Task, TaskParams, responses } from '../schemas.js';
import { attemptView, liveTaskRows, needsBySpec, taskView } from '../views.js';
import { visibleRun } from './runs.js';

const FOLLOW_POLL_MS = 200;
const ACTIVE = new Set(['pending', 'ready', 'queued', 'dispatched', 'running', 'retry_wait']);

async function taskRow(k: KairosContext, runId: string, taskId: string): Promise<TaskRow> {
  const rows = liveTaskRows(k.engine, runId) ?? (await k.store.getTasks(runId));
  const row = rows.find((t) => t.taskId === taskId);
  if (!row) throw new ApiError('TASK_NOT_FOUND', `run '${runId}' has no task '${taskId}'`, { field: 'task' });
  return row;
}

/** True once attempt `n` of the task can write no more. */
function attemptOver(row: TaskRow, n: number): boolean {
  if (row.attempt > n) return true;
  if (!ACTIVE.has(row.state)) return true;
  return row.attempt === n && row.state === 'retry_wait';
}

async function* follow(path: string, over: () => Promise<boolean>, closed: AbortSignal): AsyncGenerator<Buffer> {
  let pos = 0;
  while (!closed.aborted) {
    const done = await over(); // read before the file: bytes written before the end are still sent
    const size = (await stat(path).catch(() => null))?.size ?? 0;
    if (size < pos) pos = size; // the bounded log was rewritten (head + tail)
    if (size > pos) {
      const fh = await open(path, 'r');
      try {
        const buf = Buffer.alloc(size - pos);
        const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
        pos += bytesRead;
        yield buf.subarray(0, bytesRead);
      } finally {
        await fh.close();
      }
      continue;
    }
    if (done) return;
    await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
  }
}

export const taskRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const k = app.kairos;

  app.get('/runs/:id/tasks/:task', {
    schema: {
      tags: ['tasks'], summary: 'A task with its attempts', params: TaskParams,
      response: responses({ 200: Type.Object({ task: Type.Ref(Task), attempts: Type.Array(Attempt) }) }, [401, 404, 429]),
    },
  }, async (req) => {
    const run = await visibleRun(k, req.principal, req.params.id);
    const row = await taskRow(k, run.id, req.params.task);
    const attempts = (await k.store.getAttempts(run.id, row.taskId)).map(attemptView);
    const current = k.engine.runs.get(run.id)?.tasks.get(row.taskId)?.attemptRow;
    if (current && current.status === 'running' && !attempts.some((a) => a.attempt === current.attempt && a.kind === current.kind)) {
      attempts.push(attemptView(current));
    }
    return { task: taskView(row, needsBySpec(run), k.engine), attempts };
  });

  app.get('/runs/:id/tasks/:task/logs', {
    schema: {
      tags: ['tasks'], summary: 'The log (stdout + stderr) of an attempt, as text; `follow=1` streams until the attempt ends',
      params: TaskParams, querystring: LogsQuery,
      response: responses({ 200: Type.String({ description: 'text/plain log' }) }, [400, 401, 404, 429]),
    },
  }, async (req, reply) => {
    const run = await visibleRun(k, req.principal, req.params.id);
    const row = await taskRow(k, run.id, req.params.task);
    const n = req.query.attempt ?? Math.max(1, row.attempt);
    // Ids come from the store (validated forms), never straight from the URL, into the path.
    const path = `${k.engine.options.logDir}/${run.id}/${row.taskId}.${n}.log`;
    const exists = (await stat(path).catch(() => null)) !== null;
    const wantFollow = req.query.follow === '1' || req.query.follow === 'true';
    reply.header('content-type', 'text/plain; charset=utf-8').header('cache-control', 'no-store');
    if (!wantFollow) {
      if (!exists) throw new ApiError('LOG_NOT_FOUND', `task '${row.taskId}' attempt ${n} has no log`, { field: 'attempt' });
      return reply.send(createReadStream(path));
    }
    if (n > row.attempt + 1 || (!exists && attemptOver(row, n))) {
      throw new ApiError('LOG_NOT_FOUND', `task '${row.taskId}' attempt ${n} has no log`, { field: 'attempt' });
    }
    const over = async () => attemptOver(await taskRow(k, run.id, row.taskId), n);
    return reply.send(Readable.from(follow(path, over, k.closed)));
  });
};
