/**
 * Parses the worker's `--capacity` and `--labels` flags:
 *   --capacity cpu=4,memory=8Gi,slots=16,gpu=1   (cpu in cores or millicores, memory a size,
 *                                                 anything else a plain number: custom resources)
 *   --labels zone=eu-1,disk=ssd
 * Defaults: cpu = this machine's cores, memory = its RAM, slots = 4 x cores (how many attempts
 * run at once; every task takes one slot besides what its `resources:` ask).
 */
import { cpus, totalmem } from 'node:os';
import { KairosError } from '../core/errors.js';
import type { Resources } from '../core/resources.js';
import { parseCpu, parseSize } from '../core/units.js';

function pairs(text: string, field: string): [string, string][] {
  if (text.trim() === '') return [];
  return text.split(',').map((part) => {
    const i = part.indexOf('=');
    const k = i < 0 ? '' : part.slice(0, i).trim();
    if (i < 0 || !/^[A-Za-z_][A-Za-z0-9_.\/-]{0,62}$/.test(k)) {
      throw new KairosError('PARAM_INVALID', `--${field}: \`${part}\` is not key=value (e.g. --${field} ${field === 'labels' ? 'zone=eu-1,disk=ssd' : 'cpu=4,memory=8Gi,slots=16'})`, { field });
    }
    return [k, part.slice(i + 1).trim()];
  });
}

export function parseCapacity(text: string | undefined): Resources {
  const out: Record<string, number> = { cpu: cpus().length, memory: totalmem(), slots: 4 * cpus().length };
  for (const [k, v] of pairs(text ?? '', 'capacity')) {
    const r = k === 'cpu' ? parseCpu(v) : k === 'memory' ? parseSize(v) : { ok: Number.isFinite(Number(v)) && v !== '' && Number(v) >= 0, value: Number(v), error: `\`${v}\` is not a number >= 0` };
    if (!r.ok) throw new KairosError('PARAM_INVALID', `--capacity ${k}: ${(r as { error: string }).error}`, { field: 'capacity' });
    out[k] = (r as { value: number }).value;
  }
  if (!Number.isInteger(out.slots) || out.slots! < 1) throw new KairosError('PARAM_INVALID', `--capacity slots must be a whole number >= 1, got ${out.slots}`, { field: 'capacity' });
  return out;
}

export function parseLabels(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of pairs(text ?? '', 'labels')) out[k] = v;
  return out;
}
