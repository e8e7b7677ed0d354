/** The executors' public surface, for the engine, the SDK and the CLI. */
export type { ExecRequest, ExecResult, Executor, FnContext, FnHandler } from './types.js';
export { ShellExecutor, type ShellExecutorOptions } from './shell-executor.js';
export { HttpExecutor } from './http-executor.js';
export { FnExecutor, type FnLookup } from './fn-executor.js';
export { ExecutorSet, type ActionKind, type StandardExecutorOptions } from './executor-set.js';
export { MAX_OUTPUT_BYTES, OUTPUT_LINE_PREFIX } from './outputs.js';
export { BoundedLog, truncationMarker } from './bounded-log.js';
export { REDACTED, Redactor, redactorFor } from './redact.js';
export { isRunning, groupAlive, signalGroup } from './process-tree.js';
