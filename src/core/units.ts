/**
 * Units a user writes in a spec: durations (`90m`, `1h30m`, `500ms`, `2.5s`), sizes (`512Mi`,
 * `2Gi`, `1G`, `100M`, plain bytes) and cpu (`500m` = 0.5 cores, `2`). Parsing never throws: a
 * bad value is an `{ ok: false, error }` whose message lists the accepted forms, because the spec
 * validator shows it to the user verbatim. `format*` are the inverses: `parse(format(x)) === x`
 * for every value the parser can produce (integer ms, integer bytes, cpu in millicores).
 */

export type UnitResult = { readonly ok: true; readonly value: number } | { readonly ok: false; readonly error: string };

export const DURATION_FORMS = 'a duration like `500ms`, `2.5s`, `90m`, `1h30m` or `1d` (units d, h, m, s, ms)';
export const SIZE_FORMS = 'a size like `512Mi`, `2Gi`, `1G`, `100M` or plain bytes `1048576` (binary Ki Mi Gi Ti Pi, decimal k K M G T P)';
export const CPU_FORMS = 'cpu cores like `2`, `0.5` or millicores `500m`';

// Largest first: the parser also requires units in this order, so `30m1h` is rejected as a typo.
const DURATION_UNITS: readonly (readonly [string, number])[] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|d|h|m|s)/y;

/** Parses a duration into whole milliseconds (fractions of a millisecond are rounded). */
export function parseDuration(input: unknown): UnitResult {
  if (typeof input === 'number') {
    return { ok: false, error: `\`${input}\` has no unit; expected ${DURATION_FORMS}` };
  }
  if (typeof input !== 'string') return { ok: false, error: `expected ${DURATION_FORMS}` };
  const s = input.trim();
  if (s === '') return { ok: false, error: `empty duration; expected ${DURATION_FORMS}` };
  if (s.length > 64) return { ok: false, error: `duration is too long; expected ${DURATION_FORMS}` };
  let total = 0;
  let pos = 0;
  let lastRank = -1;
  while (pos < s.length) {
    DURATION_PART.lastIndex = pos;
    const m = DURATION_PART.exec(s);
    if (m === null) return { ok: false, error: `\`${input}\` is not a duration; expected ${DURATION_FORMS}` };
    const rank = DURATION_UNITS.findIndex(([u]) => u === m[2]);
    if (rank <= lastRank) {
      return { ok: false, error: `\`${input}\`: units must appear once each, largest first (e.g. \`1h30m\`); expected ${DURATION_FORMS}` };
    }
    lastRank = rank;
    total += Number(m[1]) * DURATION_UNITS[rank]![1];
    pos = DURATION_PART.lastIndex;
  }
  if (!Number.isFinite(total) || total > Number.MAX_SAFE_INTEGER) return { ok: false, error: `\`${input}\` is too large` };
  return { ok: true, value: Math.round(total) };
}

/** Canonical text of a whole number of milliseconds: `5400000` -> `1h30m`, `2500` -> `2s500ms`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`formatDuration: ${ms} is not a non-negative number`);
  let rest = Math.round(ms);
  if (rest === 0) return '0s';
  let out = '';
  for (const [unit, size] of DURATION_UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}

const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
  Pi: 1024 ** 5,
};
// An optional trailing `B` (`512MiB`, `1GB`) is accepted: people write it, and it is unambiguous.
const SIZE_RE = /^(\d+(?:\.\d+)?)\s*(Ki|Mi|Gi|Ti|Pi|k|K|M|G|T|P)?B?$/;

/** Parses a size into whole bytes (rounded up: `0.5Ki` of memory is 512 bytes, never less). */
export function parseSize(input: unknown): UnitResult {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) return { ok: false, error: `\`${input}\` is not a size; expected ${SIZE_FORMS}` };
    return { ok: true, value: Math.ceil(input) };
  }
  if (typeof input !== 'string') return { ok: false, error: `expected ${SIZE_FORMS}` };
  const m = SIZE_RE.exec(input.trim());
  if (m === null || input.length > 64) return { ok: false, error: `\`${input}\` is not a size; expected ${SIZE_FORMS}` };
  const bytes = Math.ceil(Number(m[1]) * SIZE_UNITS[m[2] ?? '']!);
  if (!Number.isSafeInteger(bytes)) return { ok: false, error: `\`${input}\` is too large` };
  return { ok: true, value: bytes };
}

const BINARY_DESC: readonly (readonly [string, number])[] = [
  ['Pi', 1024 ** 5],
  ['Ti', 1024 ** 4],
  ['Gi', 1024 ** 3],
  ['Mi', 1024 ** 2],
  ['Ki', 1024],
];

/** Canonical text of a byte count: the largest binary unit that divides it exactly, else bytes. */
export function formatSize(bytes: number): string {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`formatSize: ${bytes} is not a whole number of bytes`);
  if (bytes === 0) return '0';
  for (const [unit, size] of BINARY_DESC) if (bytes % size === 0) return `${bytes / size}${unit}`;
  return String(bytes);
}

const CPU_RE = /^(\d+(?:\.\d+)?)(m?)$/;

/** Parses cpu into cores, at millicore precision (the finest a scheduler can honour). */
export function parseCpu(input: unknown): UnitResult {
  let cores: number;
  if (typeof input === 'number') {
    cores = input;
  } else if (typeof input === 'string') {
    const m = CPU_RE.exec(input.trim());
    if (m === null || input.length > 32) return { ok: false, error: `\`${input}\` is not a cpu amount; expected ${CPU_FORMS}` };
    cores = m[2] === 'm' ? Number(m[1]) / 1000 : Number(m[1]);
  } else {
    return { ok: false, error: `expected ${CPU_FORMS}` };
  }
  if (!Number.isFinite(cores) || cores < 0 || cores > 1e6) return { ok: false, error: `\`${input}\` is not a cpu amount; expected ${CPU_FORMS}` };
  return { ok: true, value: Math.round(cores * 1000) / 1000 };
}

/** Canonical text of a cpu amount: whole cores as `2`, fractions as millicores `500m`. */
export function formatCpu(cores: number): string {
  if (!Number.isFinite(cores) || cores < 0) throw new RangeError(`formatCpu: ${cores} is not a non-negative number`);
  const milli = Math.round(cores * 1000);
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

// ISO 8601 date-time with an explicit zone (a deadline without a zone would depend on the host).
const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/** Parses an ISO 8601 timestamp with a zone (`2024-06-01T06:00:00Z`) into epoch milliseconds. */
export function parseTimestamp(input: unknown): UnitResult {
  const form = 'an ISO 8601 timestamp with a zone like `2024-06-01T06:00:00Z`';
  if (typeof input !== 'string' || !ISO_RE.test(input.trim())) return { ok: false, error: `expected ${form}` };
  const at = Date.parse(input.trim());
  if (Number.isNaN(at)) return { ok: false, error: `\`${input}\` is not a valid date; expected ${form}` };
  return { ok: true, value: at };
}
