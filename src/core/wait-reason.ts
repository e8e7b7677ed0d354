/**
 * Why a task is not running yet: a machine-readable value every layer can show (CLI, API,
 * dashboard). The engine fills `dependency` and `backoff`; the scheduler fills the others.
 */
export type WaitReason =
  | { readonly kind: 'dependency'; readonly waitingOn: readonly string[] }
  | { readonly kind: 'backoff'; readonly until: number; readonly attempt: number }
  /** No worker has room: `missing` is the smallest shortfall over workers, per resource. */
  | { readonly kind: 'resources'; readonly missing: Readonly<Record<string, number>>; readonly worker?: string }
  /** No worker could ever fit it (demand above every worker's capacity), or none matches its pool/selector. */
  | { readonly kind: 'unschedulable'; readonly detail: string }
  | { readonly kind: 'quota'; readonly namespace: string; readonly resource: string; readonly limit: number; readonly used: number; readonly requested: number }
  /** Its priority queue has used its share of dispatch slots for now (WRR, fair share). */
  | { readonly kind: 'share'; readonly queue: string; readonly detail: string }
  /** Strict admission: the head of its queue is blocked and nothing may pass it. */
  | { readonly kind: 'head_of_line'; readonly head: string }
  /** Backfill: starting it now could delay the reserved start of the head. */
  | { readonly kind: 'reservation'; readonly head: string; readonly reservedStart: number }
  /** The policy ranked other tasks first and capacity ran out before reaching it. */
  | { readonly kind: 'policy'; readonly detail: string }
  | { readonly kind: 'paused'; readonly scope: 'run' | 'system' };

export function describeWaitReason(r: WaitReason): string {
  switch (r.kind) {
    case 'dependency':
      return `waiting for ${r.waitingOn.join(', ')}`;
    case 'backoff':
      return `retry ${r.attempt} backing off until ${new Date(r.until).toISOString()}`;
    case 'resources':
      return `not enough ${Object.entries(r.missing).map(([k, v]) => `${k} (short by ${+v.toFixed(3)})`).join(', ')}`;
    case 'unschedulable':
      return `unschedulable: ${r.detail}`;
    case 'quota':
      return `namespace ${r.namespace} quota on ${r.resource}: ${r.used}+${r.requested} > ${r.limit}`;
    case 'share':
      return `queue ${r.queue} share used: ${r.detail}`;
    case 'head_of_line':
      return `behind blocked queue head ${r.head}`;
    case 'reservation':
      return `would delay the reserved start of ${r.head}`;
    case 'policy':
      return r.detail;
    case 'paused':
      return r.scope === 'run' ? 'run is paused' : 'system is paused';
  }
}
