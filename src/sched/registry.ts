/**
 * The policy registry: name -> factory (kube-scheduler's plugin registry). Built-in policies
 * are registered here; others (the learned policy) register themselves with `registerPolicy`.
 * A registry instance is plain data; the default one is shared by every Scheduler.
 */
import type { PolicyFactory } from './policy.js';
import { fifo } from './policies/fifo.js';
import { priority } from './policies/priority.js';
import { wrr } from './policies/wrr.js';
import { edf } from './policies/edf.js';
import { sjf } from './policies/sjf.js';
import { leastSlack } from './policies/least-slack.js';
import { criticalPath } from './policies/critical-path.js';
import { heft } from './policies/heft.js';
import { fair } from './policies/fair.js';
import { weightedFair } from './policies/weighted-fair.js';
import { srpt } from './policies/srpt.js';
import { srptDag } from './policies/srpt-dag.js';

const factories = new Map<string, PolicyFactory>();

/** Registers (or replaces) a policy under `name`. */
export function registerPolicy(name: string, factory: PolicyFactory): void {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new TypeError(`policy name '${name}' must be lower-case words joined by '-'`);
  factories.set(name, factory);
}

export function policyNames(): string[] {
  return [...factories.keys()].sort();
}

export function policyFactory(name: string): PolicyFactory {
  const f = factories.get(name);
  if (!f) throw new TypeError(`unknown scheduling policy '${name}'; registered: ${policyNames().join(', ')}`);
  return f;
}

registerPolicy('fifo', fifo);
registerPolicy('priority', priority);
registerPolicy('wrr', wrr);
registerPolicy('edf', edf);
registerPolicy('sjf', sjf);
registerPolicy('least-slack', leastSlack);
registerPolicy('critical-path', criticalPath);
registerPolicy('heft', heft);
registerPolicy('fair', fair);
registerPolicy('weighted-fair', weightedFair);
registerPolicy('srpt', srpt);
registerPolicy('srpt-dag', srptDag);
