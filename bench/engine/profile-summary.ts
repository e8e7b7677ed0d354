/**
 * Summarises V8 CPU profiles written by `run.ts --cpu-prof`: self time by function and by
 * file, the top N of each. Usage:
 *   node --import tsx bench/engine/profile-summary.ts bench/engine/profiles/kairos-independent-*.cpuprofile [--top 30]
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const argv = process.argv.slice(2);
const topAt = argv.indexOf('--top');
const top = topAt >= 0 ? Number(argv[topAt + 1]) : 30;
const files = argv.filter((a, i) => !a.startsWith('--') && (topAt < 0 || i !== topAt + 1));

function shortUrl(u: string): string {
  const i = u.indexOf('/work/main/');
  const s = i >= 0 ? u.slice(i + 11) : u.replace(/^file:\/\//, '');
  return s.replace(/^.*node_modules\//, 'nm/') || '(native)';
}

for (const f of files) {
  const p = JSON.parse(readFileSync(f, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fn = new Map<string, number>();
  const file = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const cf = n.callFrame;
    const where = shortUrl(cf.url);
    const k = `${cf.functionName || '(anonymous)'}  ${where}${cf.url ? `:${cf.lineNumber + 1}` : ''}`;
    fn.set(k, (fn.get(k) ?? 0) + us);
    file.set(where, (file.get(where) ?? 0) + us);
  }
  const pct = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)}%`;
  console.log(`\n== ${f}: ${(total / 1000).toFixed(0)} ms sampled`);
  console.log('-- self time by function');
  for (const [k, us] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`);
  console.log('-- self time by file');
  for (const [k, us] of [...file].sort((a, b) => b[1] - a[1]).slice(0, Math.min(top, 20))) console.log(`${pct(us)}  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`);
}
