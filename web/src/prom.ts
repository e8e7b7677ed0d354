/** Prometheus text exposition format -> samples (the subset prom-client writes: no timestamps). */

export interface PromSample { name: string; labels: Record<string, string>; value: number }

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseProm(text: string): PromSample[] {
  const out: PromSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    const v = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    out.push({ name: m[1]!, labels, value: v });
  }
  return out;
}

/** Sum of `name` grouped by one label ('' groups everything). */
export function sumBy(samples: PromSample[], name: string, label: string, filter?: (l: Record<string, string>) => boolean): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) {
    if (s.name !== name || (filter && !filter(s.labels))) continue;
    const k = label ? (s.labels[label] ?? '') : '';
    out.set(k, (out.get(k) ?? 0) + s.value);
  }
  return out;
}

/** The q-quantile of a cumulative histogram (`le` -> count), linear within the bucket, as Prometheus does. */
export function quantile(q: number, buckets: [number, number][]): number | null {
  const b = [...buckets].sort((x, y) => x[0] - y[0]);
  const total = b[b.length - 1]?.[1] ?? 0;
  if (total === 0) return null;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const [le, count] of b) {
    if (count >= rank) {
      if (le === Infinity) return prevLe;
      return prevLe + ((le - prevLe) * (rank - prevCount)) / Math.max(1e-9, count - prevCount);
    }
    prevLe = le;
    prevCount = count;
  }
  return prevLe;
}
