import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { parseWorkflow } from '../../core/spec/parse.js';
import { collectParam } from '../params.js';
import { stateDir, STORE_OPTION_HELP } from '../state.js';
import { openRuntime } from '../runtime.js';
import { CliExit } from '../fail.js';
import { formatIssues } from './validate.js';
import { drive } from './drive.js';
import type { WorkflowSpec } from '../../core/model.js';

/** Reads and compiles a spec file; invalid → CliExit(2) listing every issue with its line. */
export function loadSpec(file: string): { spec: WorkflowSpec; source: string } {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliExit(2, `cannot read ${file}: ${(e as Error).message}`);
  }
  const r = parseWorkflow(source, { filename: file });
  if (!r.ok) throw new CliExit(2, formatIssues(file, r.errors));
  return { spec: r.spec, source };
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run a workflow to the end with a live display (exit 0 succeeded, 1 failed, 2 invalid spec)')
    .argument('<file>', 'workflow spec (YAML or JSON)')
    .option('-p, --param <key=value>', 'set a workflow parameter (repeatable)', collectParam, {})
    .option('--state <dir>', 'state folder (default $KAIROS_HOME or .kairos)')
    .option('--store <url>', STORE_OPTION_HELP)
    .option('--policy <name>', 'scheduling policy (fifo, priority, wrr, edf, sjf, ...)', 'priority')
    .option('--concurrency <n>', 'most attempts running at once', (v) => parseInt(v, 10))
    .option('--json', 'print the final run record as JSON instead of the live display')
    .action(async (file: string, opts: { param: Record<string, string>; state?: string; store?: string; policy: string; concurrency?: number; json?: boolean }) => {
      const { spec, source } = loadSpec(file);
      const dir = stateDir(opts.state);
      const { store, engine } = await openRuntime({ stateDir: dir, ...(opts.store ? { store: opts.store } : {}), scheduler: { policy: opts.policy }, ...(opts.concurrency ? { concurrency: opts.concurrency } : {}) });
      await store.saveWorkflow({ name: spec.name, namespace: spec.namespace, spec, source, createdAt: Date.now() });
      const run = await engine.submit(spec, opts.param);
      process.exitCode = await drive(engine, store, run, { json: Boolean(opts.json) });
      await store.close();
    });
}
