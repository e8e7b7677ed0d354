/**
 * Summarises a sampling heap profile (commit-share.ts `--heap FILE`, taken with the objects the
 * GC collected included): bytes allocated by function (self), the top N. What the garbage
 * collector's share of the engine's CPU is made of.
 *
 *   node --import tsx bench/fleet/heap-summary.ts FILE.heapprofile [--top 30]
 */
import { readFileSync } from 'node:fs';

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}

const argv = process.argv.slice(2);
const topAt = argv.indexOf('--top');
const top = topAt >= 0 ? Number(argv[topAt + 1]) : 30;
const file = argv.find((a, i) => !a.startsWith('--') && (topAt < 0 || i !== topAt + 1));
if (file === undefined) throw new Error('usage: heap-summary.ts FILE [--top N]');
const { head } = JSON.parse(readFileSync(file, 'utf8')) as { head: HeapNode };

const short = (u: string): string => {
  const i = u.indexOf('/work/main/');
  return (i >= 0 ? u.slice(i + 11) : u.replace(/^file:\/\//, '')).replace(/^.*node_modules\//, 'nm/') || '(native)';
};
const byFn = new Map<string, number>();
let total = 0;
const walk = (n: HeapNode): void => {
  const f = n.callFrame;
  const key = `${f.functionName || '(anonymous)'}  ${short(f.url)}:${f.lineNumber + 1}`;
  byFn.set(key, (byFn.get(key) ?? 0) + n.selfSize);
  total += n.selfSize;
  for (const c of n.children) walk(c);
};
walk(head);
console.log(`${(total / 2 ** 20).toFixed(1)} MiB sampled`);
for (const [k, v] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${((v / total) * 100).toFixed(1).padStart(5)}%  ${(v / 2 ** 20).toFixed(1).padStart(7)} MiB  ${k}`);
}
