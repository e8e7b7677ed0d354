/**
 * Built-in experiments (`--scenario NAME`): the Decima paper's two TPC-H settings (Mao et al.,
 * SIGCOMM 2019, section 7.2), so our numbers can be set next to theirs. Flags given on the command
 * line override a scenario's values.
 */
import { KairosError } from '../core/errors.js';
import type { ExperimentOptions } from './experiment.js';

export interface Scenario {
  readonly description: string;
  readonly experiment: ExperimentOptions;
}

export const SCENARIOS: Readonly<Record<string, Scenario>> = {
  'decima-batched': {
    description: 'TPC-H, 20 random jobs (all queries and sizes) at time 0 on 50 executors',
    experiment: { workload: 'tpch', arrivals: 'batch', jobs: 20, executors: 50 },
  },
  'decima-continuous': {
    description: 'TPC-H, 1,000 random jobs, Poisson arrivals at 85% load (mean gap ~21 s) on 50 executors',
    experiment: { workload: 'tpch', arrivals: 'poisson', load: 0.85, jobs: 1000, executors: 50 },
  },
};

export function scenario(name: string): Scenario {
  const s = SCENARIOS[name];
  if (s === undefined) {
    throw new KairosError('PARAM_INVALID', `--scenario: unknown scenario '${name}'; use one of ${Object.keys(SCENARIOS).join(', ')}`, { field: 'scenario' });
  }
  return s;
}
