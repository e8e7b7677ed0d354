/**
 * Per-stage summaries over all strict descendants in a job's DAG: how many task instances and how
 * much estimated work (estimate x cpu, ms) still depend on a stage. They feed the learned policy's
 * Decima-style "aggregated over descendants" features (SchedTask.descendantTasks/WorkMs).
 *
 * The algorithm (bitsets in reverse topological order, a shared descendant counted once) lives in
 * core/dag.ts so the live engine (engine/build-run.ts) computes the same facts with the same code.
 * O(n^2 / 32) words per job, once per JobSpec (sim-job.ts caches the StaticJob): Alibaba's
 * largest jobs have tens of stages.
 */
export { descendantSums, type DescendantSums } from '../core/dag.js';
