/**
 * The simulator's public surface, for the CLI and the learn layer: compile an experiment once,
 * run it under any SchedulerConfig, compare policies over seeds, and render reports.
 */
export { compileExperiment, runExperiment, defaultSchedulerFactory, placementObserver } from './experiment.js';
export type { Experiment, ExperimentOptions, RunOptions, RunOutcome, SchedulerFactory } from './experiment.js';
export { Simulator } from './simulator.js';
export type { CrashModel, FailureModel, SimJobInput, SimResult, SimulatorConfig } from './simulator.js';
export { computeMetrics, fluidSrpt } from './metrics.js';
export type { RunMetrics } from './metrics.js';
export { runBench, parsePolicy } from './bench.js';
export type { BenchOptions, BenchResult, BenchRow, PolicySpec } from './bench.js';
export { SCENARIOS, scenario } from './scenarios.js';
export { resolveWorkload, workloadsDir, TPCH_SIZES } from './workloads/resolve.js';
export type { JobSpec, StageSpec, Workload, WorkerGroup } from './workload.js';
export { benchReport } from './report/markdown.js';
export { ganttSvg } from './report/gantt.js';
