/**
 * The ETL example written with the TypeScript SDK. It compiles to the same kind of WorkflowSpec
 * as examples/etl.yaml, through the same validator.
 *
 *   import spec, { functions } from './examples/sdk-workflow.ts';
 *   await engine.submit(spec);      // with `functions` passed to the engine's fn executor
 */
import { defineFunction, expr, template, workflow } from '../src/sdk/index.js';

const wf = workflow({
  name: 'etl-sdk',
  namespace: 'analytics',
  priority: 'high',
  deadline: '10m',
  params: { date: '2024-01-01', region: 'eu' },
  defaults: { retries: { max: 1, initial: '200ms' }, timeout: '1m' },
});

const extract = wf.task<{ files: string[]; count: number }>('extract', {
  run: [
    `echo "extracting ${template(wf.param('date'))}"`,
    'sleep 0.3',
    `echo '::kairos-output {"files":["orders.csv","customers.csv"],"count":2}'`,
  ].join('\n'),
  compensate: `echo "deleting staged extract of ${template(wf.param('date'))}"`,
});

const transform = wf.task('transform', {
  needs: [extract],
  foreach: extract.outputs('files'),
  run: `echo "transforming ${template(expr.item)}"; sleep 0.2`,
});

// A TypeScript function task: the handler runs in-process through the fn executor.
export const summarize = defineFunction('summarize', (ctx) => ({ summary: `done: ${JSON.stringify(ctx.args)}` }));

wf.task('summary', {
  needs: [transform],
  when: `${extract.outputs('count')} > 0 && ${wf.param('region')} == "eu"`,
  fn: summarize,
  args: { channel: '#data' },
});

/** Handlers used by this workflow, for the engine (`functions` option of the CLI runtime). */
export const functions = wf.registry();

export default wf.build();
