#!/usr/bin/env node
// The layering rule of DESIGN.md, checked on every test run: a folder under src/ is a layer and
// may import only the layers listed for it (and itself); core and sched import no I/O module and
// read no clock or random source except through Clock and Rng. Exits 1 listing each violation.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname, sep } from 'node:path';

const ALLOWED = {
  core: [],
  sched: ['core'],
  sim: ['sched', 'core'],
  learn: ['sim', 'sched', 'core'],
  store: ['core'],
  exec: ['core'],
  sdk: ['core', 'exec'],
  fleet: ['exec', 'core'],
  engine: ['store', 'exec', 'sched', 'learn', 'core', 'sdk', 'fleet'],
  server: ['engine', 'store', 'exec', 'sched', 'learn', 'core', 'sdk', 'fleet'],
  cli: ['server', 'engine', 'sim', 'learn', 'store', 'exec', 'sched', 'core', 'sdk', 'fleet'],
};
const PURE = new Set(['core', 'sched']);
const IO_MODULES = /^(node:)?(fs|fs\/promises|net|http|https|http2|child_process|dgram|dns|tls|cluster|worker_threads|os|process|readline)$/;
const IMPURE_CALLS = /\bDate\.now\(|\bMath\.random\(|\bnew Date\(\s*\)|\bperformance\.now\(/;

const src = resolve('src');
const files = [];
(function walk(d) {
  for (const n of readdirSync(d)) {
    const p = join(d, n);
    if (statSync(p).isDirectory()) walk(p);
    else if (/\.(ts|tsx|mts)$/.test(n)) files.push(p);
  }
})(src);

const importRe = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g;
const problems = [];
for (const file of files) {
  const layer = relative(src, file).split(sep)[0];
  if (!(layer in ALLOWED)) { problems.push(`${relative('.', file)}: folder '${layer}' is not a known layer (add it to scripts/check-layers.mjs)`); continue; }
  const isTest = file.endsWith('.test.ts');
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(importRe)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec.startsWith('.')) {
      const target = relative(src, resolve(dirname(file), spec)).split(sep)[0];
      if (target !== layer && !ALLOWED[layer].includes(target)) {
        problems.push(`${relative('.', file)}: layer '${layer}' may not import '${target}' (${spec})`);
      }
    } else if (PURE.has(layer) && !isTest && IO_MODULES.test(spec)) {
      problems.push(`${relative('.', file)}: layer '${layer}' must do no I/O but imports '${spec}'`);
    }
  }
  if (PURE.has(layer) && !isTest) {
    text.split('\n').forEach((line, i) => {
      const code = line.replace(/\/\/.*$/, '');
      if (IMPURE_CALLS.test(code)) problems.push(`${relative('.', file)}:${i + 1}: layer '${layer}' reads time or randomness directly; use Clock/Rng`);
    });
  }
}
if (problems.length) {
  console.error(`Layer check failed (${problems.length}):\n  ` + problems.join('\n  '));
  process.exit(1);
}
console.log(`Layer check: ${files.length} files, imports point down only.`);
