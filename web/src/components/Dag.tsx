/**
 * The run's DAG, laid out by dagre (left to right) and drawn as SVG. Layout depends only on the
 * task ids and edges, so a state change recolours nodes without moving them. Each node is
 * `<g class="dag-node state-<state>" data-task=ID>`; foreach instances (`specId[i]`) hang off
 * the edges of their spec task.
 */
import { graphlib, layout } from '@dagrejs/dagre';
import { useMemo } from 'preact/hooks';
import type { Task } from '../api';
import { duration, stateClass } from '../format';

const NODE_H = 46;
const CHAR_W = 7.4;
const MARGIN = 16;
/** Wide enough for the second line: 'succeeded · try 2 · 12.3 s'. */
const MIN_W = 176;

interface Laid {
  width: number;
  height: number;
  nodes: Map<string, { x: number; y: number; w: number; h: number }>;
  edges: { from: string; to: string; d: string }[];
}

/** Edges of the run: task -> every task whose `needs` names it (by id or by foreach spec id). */
export function edgesOf(tasks: Task[]): [string, string][] {
  const bySpec = new Map<string, string[]>();
  for (const t of tasks) {
    const key = t.specId ?? t.id;
    bySpec.set(key, [...(bySpec.get(key) ?? []), t.id]);
  }
  const out: [string, string][] = [];
  for (const t of tasks) for (const n of t.needs) for (const from of bySpec.get(n) ?? []) out.push([from, t.id]);
  return out;
}

function pathOf(points: { x: number; y: number }[]): string {
  if (points.length === 0) return '';
  const [p0, ...rest] = points;
  if (rest.length === 1) return `M${p0!.x},${p0!.y}L${rest[0]!.x},${rest[0]!.y}`;
  // Quadratic curves through the midpoints: smooth, and passes through both ends.
  let d = `M${p0!.x},${p0!.y}`;
  for (let i = 0; i < rest.length - 1; i++) {
    const c = rest[i]!;
    const n = rest[i + 1]!;
    const mx = i === rest.length - 2 ? n.x : (c.x + n.x) / 2;
    const my = i === rest.length - 2 ? n.y : (c.y + n.y) / 2;
    d += `Q${c.x},${c.y} ${mx},${my}`;
  }
  return d;
}

function layOut(tasks: Task[], edges: [string, string][]): Laid {
  const g = new graphlib.Graph({ multigraph: false });
  g.setGraph({ rankdir: 'LR', nodesep: 18, ranksep: 56, marginx: MARGIN, marginy: MARGIN });
  g.setDefaultEdgeLabel(() => ({}));
  for (const t of tasks) g.setNode(t.id, { width: Math.min(260, Math.max(MIN_W, t.id.length * CHAR_W + 28)), height: NODE_H });
  for (const [a, b] of edges) g.setEdge(a, b);
  layout(g);
  const nodes = new Map<string, { x: number; y: number; w: number; h: number }>();
  for (const id of g.nodes()) {
    const n = g.node(id) as { x: number; y: number; width: number; height: number };
    nodes.set(id, { x: n.x, y: n.y, w: n.width, h: n.height });
  }
  const out: Laid['edges'] = [];
  for (const e of g.edges()) {
    const pts = (g.edge(e) as { points?: { x: number; y: number }[] }).points ?? [];
    out.push({ from: e.v, to: e.w, d: pathOf(pts) });
  }
  const gl = g.graph() as { width?: number; height?: number };
  return { width: Math.max(1, gl.width ?? 0), height: Math.max(1, gl.height ?? 0), nodes, edges: out };
}

function fit(text: string, w: number, charW = CHAR_W): string {
  const max = Math.floor((w - 20) / charW);
  return text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1))}…`;
}

export function Dag({ tasks, selected, onSelect, now }: { tasks: Task[]; selected: string | null; onSelect: (id: string) => void; now: number }) {
  const shape = tasks.map((t) => `${t.id}<${t.needs.join(',')}`).join(';');
  const edges = useMemo(() => edgesOf(tasks), [shape]);
  const laid = useMemo(() => layOut(tasks, edges), [shape]);
  const byId = new Map(tasks.map((t) => [t.id, t]));

  return (
    <div class="dag-wrap">
      <svg class="dag" width={laid.width} height={laid.height} viewBox={`0 0 ${laid.width} ${laid.height}`} role="img" aria-label="Task graph">
        <defs>
          <marker id="dag-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0L10,5L0,10z" class="dag-arrow" />
          </marker>
        </defs>
        {laid.edges.map((e) => (
          <path key={`${e.from}->${e.to}`} d={e.d} class={`dag-edge ${byId.get(e.from)?.state === 'succeeded' ? 'done' : ''}`} marker-end="url(#dag-arrow)" />
        ))}
        {tasks.map((t) => {
          const n = laid.nodes.get(t.id);
          if (!n) return null;
          const took = t.startedAt ? (t.finishedAt ?? now) - t.startedAt : null;
          const sub = [t.state.replace('_', ' '), t.attempt > 1 ? `try ${t.attempt}` : '', took !== null ? duration(took) : ''].filter(Boolean).join(' · ');
          return (
            <g key={t.id} class={`dag-node ${stateClass(t.state)} ${selected === t.id ? 'selected' : ''}`} data-task={t.id} data-state={t.state}
              transform={`translate(${n.x - n.w / 2},${n.y - n.h / 2})`} onClick={() => onSelect(t.id)} tabIndex={0}
              onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && onSelect(t.id)}>
              <title>{`${t.id}: ${t.state}${t.reasonText ? ` — ${t.reasonText}` : ''}${t.error ? ` — ${t.error}` : ''}`}</title>
              <rect width={n.w} height={n.h} rx="8" />
              <rect class="dag-stripe" width="6" height={n.h} rx="3" />
              <text x="14" y="19" class="dag-label">{fit(t.id, n.w)}</text>
              <text x="14" y="35" class="dag-sub">{fit(sub, n.w, 6)}</text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}
