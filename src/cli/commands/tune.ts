/**
 * `kairos tune`: the right-sizing recommendations learned from past attempts (the model the
 * engine keeps in `<state>/rightsizing-model.json`), next to what each task declares. Read-only:
 * applying them is the engine's `tuners.rightsizing.apply` option (docs/self-tuning.md).
 */
import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stateDir } from '../state.js';
import { CliExit } from '../fail.js';
import { formatBytes } from '../../core/resources.js';
import { RightSizingRecommender, type Bounds, type RightSizingRecommendation } from '../../learn/rightsizing/recommender.js';

function cpu(x: number): string {
  return x >= 1 ? `${+x.toFixed(2)}` : `${Math.round(x * 1000)}m`;
}

function cell(declared: number | null, b: Bounds | null, fmt: (x: number) => string): string {
  const d = declared === null ? '-' : fmt(declared);
  if (b === null) return `${d} (no data)`;
  return `${d} -> ${fmt(b.target)} [${fmt(b.lower)}..${fmt(b.upper)}]`;
}

/** Share of the declared request the recommendation would free (negative: it asks for more). */
function saving(declared: number | null, b: Bounds | null): string {
  if (declared === null || declared <= 0 || b === null) return '';
  return `${Math.round((1 - b.target / declared) * 100)}%`;
}

export function loadRecommendations(dir: string): RightSizingRecommendation[] {
  const file = join(dir, 'rightsizing-model.json');
  if (!existsSync(file)) return [];
  try {
    return RightSizingRecommender.fromJSON(JSON.parse(readFileSync(file, 'utf8'))).all();
  } catch (e) {
    throw new CliExit(2, `${file} cannot be read: ${(e as Error).message} (delete it to start the model afresh)`);
  }
}

export function registerTune(program: Command): void {
  program
    .command('tune')
    .description('list right-sizing recommendations (cpu, memory) per task, next to the declared requests')
    .option('--state <dir>', 'state folder')
    .option('--json', 'print JSON')
    .action((opts: { state?: string; json?: boolean }) => {
      const dir = stateDir(opts.state);
      const recs = loadRecommendations(dir).reverse(); // most recently observed first
      if (opts.json) return void process.stdout.write(JSON.stringify(recs, null, 2) + '\n');
      if (recs.length === 0) {
        return void process.stdout.write(`no recommendations yet in ${dir}: they are learned from shell tasks' measured use (Linux /proc) as runs finish\n`);
      }
      const rows = recs.map((r) => [
        r.signature, String(r.samples) + (r.confident ? '' : '*'), String(r.ooms),
        cell(r.declared.cpu, r.cpu, cpu), saving(r.declared.cpu, r.cpu),
        cell(r.declared.memory, r.memory, formatBytes), saving(r.declared.memory, r.memory),
      ]);
      const head = ['TASK', 'SAMPLES', 'OOMS', 'CPU declared -> target [lower..upper]', 'SAVES', 'MEMORY declared -> target [lower..upper]', 'SAVES'];
      const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      for (const r of [head, ...rows]) process.stdout.write(r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd() + '\n');
      if (recs.some((r) => !r.confident)) process.stdout.write('\n* fewer samples than needed to apply (3 by default).\n');
      process.stdout.write('Target = p90 of observed use + 15%; lower p50, upper p95 (+15%). SAVES = share of the declared request it frees.\n');
    });
}
