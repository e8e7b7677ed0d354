import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { parseWorkflow } from '../../core/spec/parse.js';
import { CliExit } from '../fail.js';
import type { SpecIssue } from '../../core/spec/issues.js';

/** `file:line:col: path: message`, one issue a line, as compilers print them. */
export function formatIssues(file: string, issues: readonly SpecIssue[]): string {
  const lines = issues.map((i) => {
    const where = i.line !== undefined ? `${file}:${i.line}${i.column !== undefined ? `:${i.column}` : ''}` : file;
    return `${where}: ${i.path ? `${i.path}: ` : ''}${i.message}`;
  });
  return `${issues.length} error${issues.length === 1 ? '' : 's'} in ${file}:\n${lines.join('\n')}`;
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check a workflow spec and print every error with its line (exit 0 valid, 2 invalid)')
    .argument('<file>', 'workflow spec (YAML or JSON)')
    .option('--json', 'print the issues (or the compiled spec) as JSON')
    .action((file: string, opts: { json?: boolean }) => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        throw new CliExit(2, `cannot read ${file}: ${(e as Error).message}`);
      }
      const r = parseWorkflow(text, { filename: file });
      if (opts.json) {
        process.stdout.write(JSON.stringify(r.ok ? { ok: true, spec: r.spec } : { ok: false, errors: r.errors }, null, 2) + '\n');
        if (!r.ok) process.exitCode = 2;
        return;
      }
      if (!r.ok) throw new CliExit(2, formatIssues(file, r.errors));
      process.stdout.write(`${file}: valid (workflow ${r.spec.name}, ${r.spec.tasks.length} tasks)\n`);
    });
}
