/** Data loading for pages: the latest answer wins, earlier requests are aborted. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Loaded<T> {
  data: T | null;
  error: Error | null;
  loading: boolean;
  /** Fetches again, keeping the current data on screen meanwhile. */
  reload: () => void;
}

export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, set] = useState<{ data: T | null; error: Error | null; loading: boolean }>({ data: null, error: null, loading: true });
  const ctl = useRef<AbortController | null>(null);
  const loadRef = useRef(load);
  loadRef.current = load;

  const reload = useCallback(() => {
    ctl.current?.abort();
    const c = new AbortController();
    ctl.current = c;
    set((s) => ({ ...s, loading: true }));
    loadRef.current(c.signal).then(
      (data) => !c.signal.aborted && set({ data, error: null, loading: false }),
      (error: Error) => !c.signal.aborted && error.name !== 'AbortError' && set((s) => ({ ...s, error, loading: false })),
    );
  }, []);

  useEffect(() => {
    reload();
    return () => ctl.current?.abort();
  }, deps);

  return { ...state, reload };
}

/** Re-renders every `ms` while `on` (durations of running things). */
export function useTick(ms: number, on = true): number {
  const [n, set] = useState(0);
  useEffect(() => {
    if (!on) return;
    const t = setInterval(() => set((x) => x + 1), ms);
    return () => clearInterval(t);
  }, [ms, on]);
  return n;
}

/** Calls `fn` every `ms` while mounted. */
export function useInterval(fn: () => void, ms: number): void {
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => {
    const t = setInterval(() => ref.current(), ms);
    return () => clearInterval(t);
  }, [ms]);
}
