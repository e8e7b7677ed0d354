/** The TypeScript SDK: define workflows in code and register the functions `fn:` tasks call. */
export { workflow, template, expr, TaskRef, WorkflowBuilder, type WorkflowOptions, type TaskOptions, type ParamInput } from './workflow.js';
export { defineFunction, FunctionRegistry, type FunctionDefinition } from './functions.js';
export type { WorkflowSpec } from '../core/model.js';
export type { FnHandler, FnContext } from '../exec/types.js';
