/**
 * Hand-written SVG charts for the bench report and `simulate --gantt`: line charts (JCT CDFs,
 * utilization over time) and bar charts with confidence whiskers. No dependency: a chart is a
 * string, 640 x 360 by default, readable in any browser and on GitHub.
 */

export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Rounds for SVG coordinates (keeps files small). */
export function r(x: number): string {
  return (Math.round(x * 10) / 10).toString();
}

/** "Nice" tick values covering [lo, hi] (1, 2, 5 x 10^k steps), about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

export function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toFixed(1)}k`;
  if (a >= 100) return v.toFixed(0);
  if (a >= 1) return `${+v.toFixed(2)}`;
  return `${+v.toPrecision(2)}`;
}

interface Frame {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

const FRAME: Frame = { width: 640, height: 360, left: 64, right: 150, top: 36, bottom: 48 };

function open(f: Frame, title: string): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${f.width}" height="${f.height}" viewBox="0 0 ${f.width} ${f.height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${f.width}" height="${f.height}" fill="#fff"/>`,
    `<text x="${f.left}" y="20" font-size="14" font-weight="bold">${esc(title)}</text>`,
  ];
}

function axes(f: Frame, xTicks: number[], yTicks: number[], sx: (v: number) => number, sy: (v: number) => number, xLabel: string, yLabel: string): string[] {
  const out: string[] = [];
  const x0 = f.left;
  const y0 = f.height - f.bottom;
  for (const t of yTicks) {
    out.push(`<line x1="${x0}" x2="${f.width - f.right}" y1="${r(sy(t))}" y2="${r(sy(t))}" stroke="#eee"/>`);
    out.push(`<text x="${x0 - 6}" y="${r(sy(t) + 4)}" text-anchor="end">${fmt(t)}</text>`);
  }
  for (const t of xTicks) out.push(`<text x="${r(sx(t))}" y="${y0 + 16}" text-anchor="middle">${fmt(t)}</text>`);
  out.push(`<line x1="${x0}" x2="${f.width - f.right}" y1="${y0}" y2="${y0}" stroke="#333"/>`);
  out.push(`<line x1="${x0}" x2="${x0}" y1="${f.top}" y2="${y0}" stroke="#333"/>`);
  out.push(`<text x="${(x0 + f.width - f.right) / 2}" y="${f.height - 10}" text-anchor="middle">${esc(xLabel)}</text>`);
  out.push(`<text transform="translate(14 ${(f.top + y0) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
  return out;
}

function legend(f: Frame, names: readonly string[]): string[] {
  const x = f.width - f.right + 12;
  return names.flatMap((n, i) => [
    `<rect x="${x}" y="${f.top + i * 18}" width="12" height="12" fill="${PALETTE[i % PALETTE.length]}"/>`,
    `<text x="${x + 18}" y="${f.top + i * 18 + 10}">${esc(n.length > 20 ? `${n.slice(0, 19)}…` : n)}</text>`,
  ]);
}

export interface Series {
  readonly name: string;
  /** Points as [x, y], x ascending. */
  readonly points: readonly (readonly [number, number])[];
}

export interface LineChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  /** Fixed y range (e.g. [0, 1] for a CDF or a utilization); default from the data. */
  readonly yRange?: readonly [number, number];
  /** Draw as steps (CDF, step functions) rather than straight segments. */
  readonly step?: boolean;
}

export function lineChart(o: LineChartOptions): string {
  const f = FRAME;
  let xMax = 0;
  let yMax = 0;
  for (const s of o.series) for (const [x, y] of s.points) { if (x > xMax) xMax = x; if (y > yMax) yMax = y; }
  const [yLo, yHi] = o.yRange ?? [0, yMax > 0 ? yMax * 1.05 : 1];
  const xHi = xMax > 0 ? xMax : 1;
  const sx = (v: number): number => f.left + (v / xHi) * (f.width - f.left - f.right);
  const sy = (v: number): number => f.height - f.bottom - ((v - yLo) / (yHi - yLo)) * (f.height - f.top - f.bottom);
  const out = open(f, o.title);
  out.push(...axes(f, niceTicks(0, xHi), niceTicks(yLo, yHi), sx, sy, o.xLabel, o.yLabel));
  o.series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const d: string[] = [];
    s.points.forEach(([x, y], k) => {
      if (k === 0) d.push(`M${r(sx(x))},${r(sy(y))}`);
      else if (o.step) d.push(`H${r(sx(x))}V${r(sy(y))}`);
      else d.push(`L${r(sx(x))},${r(sy(y))}`);
    });
    out.push(`<path d="${d.join('')}" fill="none" stroke="${PALETTE[i % PALETTE.length]}" stroke-width="1.6"/>`);
  });
  out.push(...legend(f, o.series.map((s) => s.name)), '</svg>');
  return out.join('\n');
}

export interface Bar {
  readonly label: string;
  readonly value: number;
  /** Half-width of the 95% interval drawn as a whisker (0 = none). */
  readonly half: number;
}

export function barChart(o: { readonly title: string; readonly yLabel: string; readonly bars: readonly Bar[]; readonly reference?: { readonly value: number; readonly label: string } }): string {
  const f = { ...FRAME, right: 24, bottom: 64 };
  let yMax = o.reference?.value ?? 0;
  for (const b of o.bars) yMax = Math.max(yMax, b.value + b.half);
  const yHi = yMax > 0 ? yMax * 1.1 : 1;
  const sy = (v: number): number => f.height - f.bottom - (v / yHi) * (f.height - f.top - f.bottom);
  const slot = (f.width - f.left - f.right) / Math.max(1, o.bars.length);
  const out = open(f, o.title);
  out.push(...axes(f, [], niceTicks(0, yHi), () => 0, sy, '', o.yLabel));
  o.bars.forEach((b, i) => {
    const x = f.left + i * slot + slot * 0.2;
    const w = slot * 0.6;
    out.push(`<rect x="${r(x)}" y="${r(sy(b.value))}" width="${r(w)}" height="${r(sy(0) - sy(b.value))}" fill="${PALETTE[i % PALETTE.length]}"/>`);
    if (b.half > 0) {
      const cx = x + w / 2;
      out.push(`<path d="M${r(cx)},${r(sy(b.value - b.half))}V${r(sy(b.value + b.half))}M${r(cx - 6)},${r(sy(b.value - b.half))}h12M${r(cx - 6)},${r(sy(b.value + b.half))}h12" stroke="#222"/>`);
    }
    out.push(`<text x="${r(x + w / 2)}" y="${f.height - f.bottom + 16}" text-anchor="middle">${esc(b.label)}</text>`);
    out.push(`<text x="${r(x + w / 2)}" y="${r(sy(b.value + b.half) - 4)}" text-anchor="middle">${fmt(b.value)}</text>`);
  });
  if (o.reference !== undefined) {
    const y = r(sy(o.reference.value));
    out.push(`<line x1="${f.left}" x2="${f.width - f.right}" y1="${y}" y2="${y}" stroke="#222" stroke-dasharray="5,4"/>`);
    out.push(`<text x="${f.width - f.right}" y="${Number(y) - 4}" text-anchor="end">${esc(o.reference.label)}</text>`);
  }
  out.push('</svg>');
  return out.join('\n');
}
