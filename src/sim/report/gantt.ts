/**
 * The schedule of one run as an SVG Gantt chart: one row per worker, one bar per attempt,
 * coloured by job; failed attempts are outlined red, lost ones (worker crash) grey. Large runs are
 * capped by the recorder (`attempts`), so a chart never grows past a few MB.
 */
import { AttemptOutcome, type AttemptRecord } from '../recorder.js';
import { esc, fmt, niceTicks, PALETTE, r } from './svg.js';

export interface GanttInput {
  readonly title: string;
  readonly workers: readonly string[];
  readonly attempts: readonly AttemptRecord[];
  /** Names of jobs by index, for tooltips. */
  readonly jobNames: readonly string[];
  readonly dropped: number;
}

export function ganttSvg(g: GanttInput): string {
  const left = 90;
  const right = 20;
  const top = 40;
  const width = 1100;
  const row = Math.max(3, Math.min(18, Math.floor(700 / Math.max(1, g.workers.length))));
  const height = top + row * g.workers.length + 44;
  let end = 0;
  for (const a of g.attempts) if (a.end > end) end = a.end;
  const endSec = Math.max(end / 1000, 1e-3);
  const sx = (ms: number): number => left + (ms / 1000 / endSec) * (width - left - right);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="10">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${left}" y="20" font-size="14" font-weight="bold">${esc(g.title)}${g.dropped > 0 ? ` (first ${g.attempts.length} attempts; ${g.dropped} more not drawn)` : ''}</text>`,
  ];
  const labelEvery = Math.ceil(12 / row);
  g.workers.forEach((w, i) => {
    if (i % labelEvery === 0) out.push(`<text x="${left - 6}" y="${r(top + i * row + row * 0.8)}" text-anchor="end">${esc(w)}</text>`);
  });
  for (const t of niceTicks(0, endSec, 10)) {
    const x = r(sx(t * 1000));
    out.push(`<line x1="${x}" x2="${x}" y1="${top}" y2="${top + row * g.workers.length}" stroke="#eee"/>`);
    out.push(`<text x="${x}" y="${top + row * g.workers.length + 14}" text-anchor="middle">${fmt(t)}</text>`);
  }
  out.push(`<text x="${(left + width - right) / 2}" y="${height - 8}" text-anchor="middle">time (s)</text>`);
  for (const a of g.attempts) {
    const x = sx(a.start);
    const w = Math.max(0.5, sx(a.end) - x);
    const y = top + a.worker * row + 0.5;
    const fill = a.outcome === AttemptOutcome.Lost ? '#bbb' : PALETTE[a.job % PALETTE.length];
    const stroke = a.outcome === AttemptOutcome.Failed ? ' stroke="#d00" stroke-width="1"' : '';
    const name = g.jobNames[a.job] ?? `job ${a.job}`;
    out.push(`<rect x="${r(x)}" y="${r(y)}" width="${r(w)}" height="${row - 1}" fill="${fill}"${stroke}><title>${esc(name)} ${fmt(a.start / 1000)}-${fmt(a.end / 1000)} s</title></rect>`);
  }
  out.push('</svg>');
  return out.join('\n');
}
