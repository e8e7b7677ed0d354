/**
 * Hash routes (`/#/runs/ID?task=x`): the server serves one page at `/`, and the dashboard's paths
 * never collide with the API's (`/runs`, `/queues`, `/policy` are API routes).
 *
 *   #/                  runs list (query: search, state)
 *   #/runs/:id          run page (query: task)
 *   #/queues  #/metrics  #/policy  #/tuning
 */
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { page: 'runs'; query: URLSearchParams }
  | { page: 'run'; id: string; query: URLSearchParams }
  | { page: 'queues' | 'metrics' | 'policy' | 'tuning'; query: URLSearchParams }
  | { page: 'notfound'; path: string; query: URLSearchParams };

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/';
  const [path = '/', q = ''] = raw.split('?', 2);
  const query = new URLSearchParams(q);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'runs')) return { page: 'runs', query };
  if (parts.length === 2 && parts[0] === 'runs') return { page: 'run', id: parts[1]!, query };
  if (parts.length === 1 && (parts[0] === 'queues' || parts[0] === 'metrics' || parts[0] === 'policy' || parts[0] === 'tuning')) return { page: parts[0], query };
  return { page: 'notfound', path, query };
}

export function href(path: string, query: Record<string, string | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v) q.set(k, v);
  const s = q.toString();
  return `#${path}${s ? `?${s}` : ''}`;
}

export const runHref = (id: string, task?: string) => href(`/runs/${encodeURIComponent(id)}`, { task });

/** Replaces the hash without a history entry (filters typed into a box). */
export function replaceHash(h: string): void {
  if (location.hash === h) return;
  history.replaceState(null, '', h);
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

export function useRoute(): Route {
  const [route, set] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const on = () => set(parseHash(location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
