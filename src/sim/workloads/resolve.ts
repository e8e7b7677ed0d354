/**
 * Turns a `--workload` argument into a Workload: a shipped data set by name (`tpch`,
 * `tpch:<size>`, `wfcommons:<name>`, `alibaba`, `synthetic:<kind>`) or a PATH to any file in one
 * of the three formats (detected from its content). This is the only module of the simulator that
 * reads files. Parsed files are cached per process: a bench runs many policies and seeds on one
 * workload, and re-parsing the 7 MB of TPC-H waves costs ~150 ms each time.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KairosError } from '../../core/errors.js';
import type { JobSpec, Workload } from '../workload.js';
import { parseAlibaba } from './alibaba.js';
import { isSyntheticKind, SYNTHETIC_KINDS, syntheticWorkload } from './synthetic.js';
import { parseTpch, tpchWorkload } from './tpch.js';
import { parseWfCommons } from './wfcommons.js';

export const TPCH_SIZES = ['2g', '5g', '10g', '20g', '50g', '80g', '100g'] as const;
const ALIBABA_FILE = 'alibaba/alibaba-v2018-first15min.jsonl';

export interface ResolveOptions {
  /** TPC-H: sample durations from the measured waves (reads full/*-waves.jsonl). */
  readonly sampled?: boolean;
  /** Synthetic: generator seed and job count. */
  readonly seed?: number;
  readonly jobs?: number;
  /** Override the folder of shipped workloads (tests). */
  readonly root?: string;
}

const cache = new Map<string, unknown>();

function cached<T>(key: string, make: () => T): T {
  if (!cache.has(key)) cache.set(key, make());
  return cache.get(key) as T;
}

/** The project's `workloads/` folder: walk up from this module to the folder holding package.json. */
export function workloadsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'workloads'))) return join(dir, 'workloads');
    const up = dirname(dir);
    if (up === dir) throw new KairosError('WORKLOAD_INVALID', 'cannot find the workloads/ folder next to package.json; pass a file PATH to --workload');
    dir = up;
  }
}

function bad(message: string): KairosError {
  return new KairosError('WORKLOAD_INVALID', message, { field: 'workload' });
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw bad(`cannot read workload file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export function resolveWorkload(spec: string, opts: ResolveOptions = {}): Workload {
  const [kind, arg] = splitName(spec);
  const sampled = opts.sampled ?? false;
  if (kind === 'tpch') {
    const root = opts.root ?? workloadsDir();
    let sizes: readonly string[] = TPCH_SIZES;
    if (arg !== undefined) {
      if (!(TPCH_SIZES as readonly string[]).includes(arg)) throw bad(`unknown TPC-H size '${arg}' in --workload ${spec}; use one of ${TPCH_SIZES.join(', ')}`);
      sizes = [arg];
    }
    const jobs: JobSpec[] = [];
    for (const size of sizes) {
      const file = sampled ? join(root, 'tpch', 'full', `tpch-${size}-waves.jsonl`) : join(root, 'tpch', `tpch-${size}.jsonl`);
      jobs.push(...cached(`tpch:${file}:${sampled}`, () => parseTpch(read(file), basename(file), { sampled })));
    }
    return tpchWorkload(spec, jobs);
  }
  if (kind === 'wfcommons') {
    const root = opts.root ?? workloadsDir();
    const dir = join(root, 'wfcommons');
    const names = readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'index.json').map((f) => f.slice(0, -5));
    if (arg === undefined || !names.includes(arg.replace(/\.json$/, ''))) {
      const near = arg === undefined ? names : names.filter((n) => n.startsWith(arg.split('-')[0]!));
      throw bad(`${arg === undefined ? 'wfcommons needs an instance name' : `unknown WfCommons instance '${arg}'`}: use wfcommons:<name> with one of ${(near.length > 0 ? near : names).join(', ')}`);
    }
    const file = join(dir, `${arg.replace(/\.json$/, '')}.json`);
    return { ...cached(`wf:${file}`, () => parseWfCommons(read(file), basename(file))), name: spec };
  }
  if (kind === 'alibaba') {
    const file = join(opts.root ?? workloadsDir(), ALIBABA_FILE);
    return { ...cached(`ali:${file}`, () => parseAlibaba(read(file), basename(file))), name: spec };
  }
  if (kind === 'synthetic') {
    if (arg === undefined || !isSyntheticKind(arg)) throw bad(`unknown synthetic kind '${arg ?? ''}': use synthetic:<kind> with kind one of ${SYNTHETIC_KINDS.join(', ')}`);
    return syntheticWorkload({ kind: arg, seed: opts.seed ?? 1, ...(opts.jobs !== undefined ? { jobs: opts.jobs } : {}) });
  }
  return fromPath(spec, sampled);
}

function splitName(spec: string): [string, string | undefined] {
  const m = /^(tpch|wfcommons|alibaba|synthetic)(?::(.+))?$/.exec(spec);
  return m ? [m[1]!, m[2]] : ['path', undefined];
}

/** A file in one of the three formats, recognised by its content rather than its name. */
function fromPath(spec: string, sampled: boolean): Workload {
  const path = resolve(spec);
  if (!existsSync(path)) {
    throw bad(`--workload ${spec}: no such file, and not a known name (tpch, tpch:<size>, wfcommons:<name>, alibaba, synthetic:<kind>)`);
  }
  if (statSync(path).isDirectory()) throw bad(`--workload ${spec} is a folder; give one workload file`);
  const text = read(path);
  const file = basename(path);
  const first = text.trimStart()[0];
  if (first !== '{') throw bad(`${file}: not a workload (expected a JSON object or JSON Lines of objects)`);
  const firstLine = text.trimStart().split('\n', 1)[0]!;
  let head: Record<string, unknown> | null = null;
  try {
    head = JSON.parse(firstLine) as Record<string, unknown>;
  } catch {
    head = null; // a multi-line JSON document: WfCommons
  }
  if (head !== null && Array.isArray(head['stages'])) return tpchWorkload(spec, cached(`tpch:${path}:${sampled}`, () => parseTpch(text, file, { sampled })));
  if (head !== null && Array.isArray(head['tasks']) && 'arrivalSec' in head) return { ...cached(`ali:${path}`, () => parseAlibaba(text, file)), name: spec };
  if (head === null || Array.isArray(head['machines'])) return { ...cached(`wf:${path}`, () => parseWfCommons(text, file)), name: spec };
  throw bad(`${file} line 1: format not recognised: a TPC-H line has 'stages', an Alibaba line has 'tasks' and 'arrivalSec', a WfCommons file has 'machines' and 'tasks'`);
}
