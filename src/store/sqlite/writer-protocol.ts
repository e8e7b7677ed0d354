/** Messages between SqliteStore (main thread) and the SQLite writer thread (writer-thread.ts). */
import type { Durability, WriterOp } from './sqlite-writer.js';

export type ThreadRequest =
  | { readonly id: number; readonly kind: 'open'; readonly handle: number; readonly path: string; readonly durability: Durability }
  | { readonly id: number; readonly kind: 'close'; readonly handle: number }
  | { readonly id: number; readonly kind: 'call'; readonly handle: number; readonly op: WriterOp; readonly args: readonly unknown[] };

export type ThreadReply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: { readonly name: string; readonly message: string; readonly code: string | null } };

/** Distributes `Omit` over a union (the plain one would merge the variants). */
export type RequestBody = ThreadRequest extends infer R ? (R extends ThreadRequest ? Omit<R, 'id'> : never) : never;

/** Messages from the writer thread to the checkpoint thread (checkpoint-thread.ts); no replies. */
export type CheckpointRequest =
  | { readonly kind: 'open'; readonly handle: number; readonly path: string; readonly durability: Durability }
  | { readonly kind: 'close'; readonly handle: number };
