/** The workflow spec: parse text or compile a document into a WorkflowSpec; bind params. */
export { parseWorkflow, type ParseOptions, type ParseResult } from './parse.js';
export { compileWorkflowDocument, type CompileOptions, type CompileResult, WORKFLOW_NAME, TASK_ID, PARAM_NAME } from './compile.js';
export { resolveParams, coerceString, type ParamsResult } from './params.js';
export { type SpecIssue, type SpecIssueCode, formatIssue, formatPath, specInvalidError, MAX_ISSUES } from './issues.js';
export { DEFAULT_SPEC_LIMITS, MAX_FOREACH_WIDTH, resolveLimits, type SpecLimits } from './limits.js';
export { didYouMean } from './did-you-mean.js';
export type { WorkflowDoc, TaskDoc } from './schema.js';
