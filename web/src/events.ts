/**
 * One live connection to `GET /events` (Server-Sent Events) for the whole app, read with fetch
 * rather than EventSource because EventSource cannot send the bearer token. Pages subscribe and
 * refetch or patch what they show. Invariants:
 *  - at most one stream is open; it reconnects RETRY_MS after it drops;
 *  - after a reconnect subscribers get `{type: 'resync'}`: events may have been missed, refetch.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { authHeaders, readText } from './api';
import type { Run } from './api';

export interface TaskEvent { runId: string; taskId: string; state: string; attempt: number; error: string | null; at: number }

export type LiveEvent =
  | { type: 'task'; data: TaskEvent }
  | { type: 'run'; data: Run }
  | { type: 'resync' };

export type LiveStatus = 'off' | 'connecting' | 'live' | 'down';

const RETRY_MS = 2000;

class LiveEvents {
  #subs = new Set<(e: LiveEvent) => void>();
  #statusSubs = new Set<(s: LiveStatus) => void>();
  #status: LiveStatus = 'off';
  #abort: AbortController | null = null;
  #everConnected = false;

  get status(): LiveStatus {
    return this.#status;
  }

  start(): void {
    if (this.#abort) return;
    this.#abort = new AbortController();
    void this.#loop(this.#abort.signal);
  }

  stop(): void {
    this.#abort?.abort();
    this.#abort = null;
    this.#everConnected = false;
    this.#setStatus('off');
  }

  subscribe(fn: (e: LiveEvent) => void): () => void {
    this.#subs.add(fn);
    return () => this.#subs.delete(fn);
  }

  onStatus(fn: (s: LiveStatus) => void): () => void {
    this.#statusSubs.add(fn);
    return () => this.#statusSubs.delete(fn);
  }

  #setStatus(s: LiveStatus): void {
    this.#status = s;
    for (const f of this.#statusSubs) f(s);
  }

  #emit(e: LiveEvent): void {
    for (const f of this.#subs) {
      try {
        f(e);
      } catch (err) {
        console.error('live event subscriber failed', err);
      }
    }
  }

  async #loop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      this.#setStatus('connecting');
      try {
        const res = await fetch('/events', { headers: { ...authHeaders(), accept: 'text/event-stream' }, signal });
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        this.#setStatus('live');
        if (this.#everConnected) this.#emit({ type: 'resync' });
        this.#everConnected = true;
        await this.#read(res.body);
      } catch (e) {
        if (signal.aborted) return;
        console.warn('event stream dropped', e);
      }
      if (signal.aborted) return;
      this.#setStatus('down');
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }

  async #read(body: ReadableStream<Uint8Array>): Promise<void> {
    let buf = '';
    await readText(body, (chunk) => {
      buf += chunk.replace(/\r\n?/g, '\n');
      let cut: number;
      while ((cut = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        let type = 'message';
        let data = '';
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) type = line.slice(6).trim();
          else if (line.startsWith('data:')) data += line.slice(5).trim();
        }
        if (!data || (type !== 'task' && type !== 'run')) continue;
        try {
          this.#emit({ type, data: JSON.parse(data) } as LiveEvent);
        } catch { /* a malformed event is skipped */ }
      }
    });
  }
}

export const live = new LiveEvents();

/** Subscribes for the component's life; the latest `fn` is always called. */
export function useLive(fn: (e: LiveEvent) => void): void {
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => live.subscribe((e) => ref.current(e)), []);
}

export function useLiveStatus(): LiveStatus {
  const [s, set] = useState(live.status);
  useEffect(() => live.onStatus(set), []);
  return s;
}

/**
 * `fn` at most once per `ms`: the first call of a burst arms a timer, later calls before it fires
 * join it. Unlike a trailing debounce it cannot starve under a steady stream of events.
 */
export function coalesce(fn: () => void, ms: number): (() => void) & { cancel(): void } {
  let t: ReturnType<typeof setTimeout> | undefined;
  const c = () => {
    if (t !== undefined) return;
    t = setTimeout(() => {
      t = undefined;
      fn();
    }, ms);
  };
  c.cancel = () => {
    clearTimeout(t);
    t = undefined;
  };
  return c;
}
