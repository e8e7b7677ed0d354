/**
 * Checks every expression of a workflow at validate time, so a typo fails the submit rather than
 * a run three hours in: syntax and length, names of the context (`params`, `tasks`, `item`,
 * `index`, `run`), params that are not declared, and tasks that are not upstream. A task may
 * read only tasks it depends on (directly or not): anything else might not have run yet.
 */
import type { Action, TaskSpec } from '../model.js';
import { compileExpression, expressionRefs } from '../expr.js';
import { hasTemplate, templateExpressions } from '../template.js';
import { suggestion } from './did-you-mean.js';
import { isAncestor, type TaskGraph } from './graph.js';
import type { Reporter } from './reporter.js';
import type { Path } from './values.js';

const ROOTS = ['params', 'tasks', 'item', 'index', 'run'];

interface Site {
  readonly path: Path;
  readonly src: string;
  /** `when`/`foreach` are expressions; every other field is a template string. */
  readonly kind: 'expression' | 'template';
  /** May read `item`/`index` (the templates of a foreach task). */
  readonly itemOk: boolean;
  /** May read the task's own outputs (compensation runs after the task succeeded). */
  readonly selfOk: boolean;
}

export function checkReferences(tasks: readonly TaskSpec[], params: ReadonlySet<string>, g: TaskGraph, maxLength: number, r: Reporter): void {
  tasks.forEach((t, i) => {
    for (const site of sitesOf(t)) {
      if (r.full) return;
      const sources = site.kind === 'expression' ? [site.src] : templateSources(site, r);
      for (const src of sources) checkOne(src, site, t, i, params, g, maxLength, r);
    }
  });
}

function templateSources(site: Site, r: Reporter): readonly string[] {
  if (!hasTemplate(site.src)) return [];
  const t = templateExpressions(site.src);
  if (!t.ok) {
    r.issue('EXPRESSION', site.path, t.error);
    return [];
  }
  return t.value;
}

function checkOne(src: string, site: Site, t: TaskSpec, i: number, params: ReadonlySet<string>, g: TaskGraph, maxLength: number, r: Reporter): void {
  const c = compileExpression(src, maxLength);
  if (!c.ok) {
    r.issue(c.error.startsWith('expression is') ? 'LIMIT' : 'EXPRESSION', site.path, c.error);
    return;
  }
  const refs = expressionRefs(c.expr);
  for (const root of refs.roots) {
    if (!ROOTS.includes(root)) {
      r.issue('UNKNOWN_NAME', site.path, `\`${root}\` is not defined; expressions read ${ROOTS.map((x) => `\`${x}\``).join(', ')}${suggestion(root, ROOTS)}`);
    } else if ((root === 'item' || root === 'index') && !site.itemOk) {
      const why = t.foreach === undefined ? 'the task has no `foreach`' : `\`${String(site.path[site.path.length - 1])}\` is evaluated before the items exist`;
      r.issue('UNKNOWN_NAME', site.path, `\`${root}\` is only defined in the commands of a foreach task (${why})`);
    }
  }
  for (const p of refs.params) {
    if (!params.has(p)) r.issue('UNDECLARED_PARAM', site.path, `param \`${p}\` is not declared under \`params\`${suggestion(p, params)}`);
  }
  for (const name of refs.tasks) {
    const j = g.index.get(name);
    if (j === undefined) {
      // `tasks.fetch-data` parses as `tasks.fetch - data`: point at the bracket form.
      const dashed = [...g.index.keys()].find((id) => id.startsWith(`${name}-`));
      const hint = dashed !== undefined ? `; ids with \`-\` need brackets: \`tasks[${JSON.stringify(dashed)}]\`` : r.full ? '' : suggestion(name, g.index.keys());
      r.issue('UNKNOWN_DEPENDENCY', site.path, `reads unknown task \`${name}\`${hint}`);
    } else if (j === i ? !site.selfOk : !isAncestor(g, i, j)) {
      const self = j === i ? ' (a task cannot read its own outputs before it ran)' : '';
      r.issue('NOT_UPSTREAM', site.path, `reads task \`${name}\`, which is not upstream of \`${t.id}\`${self}; add it to \`needs\` (directly or through a task it needs)`);
    }
  }
}

function sitesOf(t: TaskSpec): Site[] {
  const base: Path = ['tasks', t.id];
  const inForeach = t.foreach !== undefined;
  const sites: Site[] = [];
  if (t.when !== undefined) sites.push({ path: [...base, 'when'], src: t.when, kind: 'expression', itemOk: false, selfOk: false });
  if (t.foreach !== undefined) sites.push({ path: [...base, 'foreach'], src: t.foreach, kind: 'expression', itemOk: false, selfOk: false });
  actionSites(t.action, base, inForeach, false, sites, 'main');
  if (t.compensate) actionSites(t.compensate, [...base, 'compensate'], inForeach, true, sites, 'compensate');
  for (const [k, v] of Object.entries(t.env)) sites.push({ path: [...base, 'env', k], src: v, kind: 'template', itemOk: inForeach, selfOk: false });
  return sites;
}

function actionSites(a: Action, base: Path, itemOk: boolean, selfOk: boolean, out: Site[], which: 'main' | 'compensate'): void {
  const site = (path: Path, src: string) => out.push({ path, src, kind: 'template', itemOk, selfOk });
  switch (a.kind) {
    case 'shell':
      // A compensation command is reported at `compensate` (string or object form alike).
      site(which === 'main' ? [...base, 'run'] : base, a.run);
      return;
    case 'http':
      site([...base, 'http', 'url'], a.url);
      for (const [k, v] of Object.entries(a.headers)) site([...base, 'http', 'headers', k], v);
      if (a.body !== undefined) site([...base, 'http', 'body'], a.body);
      return;
    case 'fn':
      return;
  }
}
