/**
 * The learned policy's model file: versioned JSON with the weights and what they mean (feature
 * names and version, layer sizes) and where they came from (objective, training workloads and
 * seeds, validation metrics). Parameters are plain JSON numbers: a float64 survives
 * JSON.stringify/parse exactly, so a saved and reloaded model scores bit-identically.
 *
 * Compatibility rule: format and major `version` must match, and the feature list must equal
 * this build's FEATURE_NAMES — a model trained on other features is refused, never guessed at.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KairosError } from '../../core/errors.js';
import { FEATURE_NAMES, FEATURES_VERSION } from './features.js';
import { Mlp } from './mlp.js';

export const MODEL_FORMAT = 'kairos-learned-policy';
export const MODEL_VERSION = 1;

export interface Objective {
  /** Reward = -(integral of jobs in system) - deadlinePenalty x misses - starvationPenalty x starved. */
  readonly kind: 'avg-jct';
  readonly deadlineMissPenaltySec: number;
  readonly starvationPenaltySec: number;
}

export interface ModelFile {
  readonly format: typeof MODEL_FORMAT;
  readonly version: number;
  readonly featuresVersion: number;
  readonly features: readonly string[];
  readonly layers: readonly number[];
  readonly params: readonly number[];
  /** Residual models: the fixed linear prior over the features added to the network's score. */
  readonly prior?: readonly number[];
  readonly objective: Objective;
  /** Free-form provenance: command, workloads, seeds, iterations, validation metrics. */
  readonly training: Readonly<Record<string, unknown>>;
}

/** Default model shipped in the repository (same path from src/ and from dist/). */
export const DEFAULT_MODEL_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '../../../models/learned-default/model.json');

export function toModelFile(m: Mlp, objective: Objective, training: Record<string, unknown>): ModelFile {
  return {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    featuresVersion: FEATURES_VERSION,
    features: [...FEATURE_NAMES],
    layers: [...m.layers],
    params: Array.from(m.params),
    ...(m.prior !== null ? { prior: Array.from(m.prior) } : {}),
    objective,
    training,
  };
}

function incompatible(detail: string): KairosError {
  return new KairosError('PARAM_INVALID', `learned policy model is incompatible: ${detail}; retrain with \`kairos train\` or use the shipped models/learned-default/model.json`, { field: 'model' });
}

/** Checks a parsed model file against this build and returns its network. */
export function modelFromFile(v: unknown): { mlp: Mlp; file: ModelFile } {
  if (typeof v !== 'object' || v === null) throw incompatible('not a JSON object');
  const f = v as Partial<ModelFile>;
  if (f.format !== MODEL_FORMAT) throw incompatible(`format is ${JSON.stringify(f.format)}, expected '${MODEL_FORMAT}'`);
  if (f.version !== MODEL_VERSION) throw incompatible(`version ${f.version}, this build reads ${MODEL_VERSION}`);
  if (f.featuresVersion !== FEATURES_VERSION || !Array.isArray(f.features) || f.features.join(',') !== FEATURE_NAMES.join(',')) {
    throw incompatible(`features v${f.featuresVersion} [${(f.features ?? []).join(', ')}] differ from this build's v${FEATURES_VERSION}`);
  }
  if (!Array.isArray(f.layers) || f.layers[0] !== FEATURE_NAMES.length) throw incompatible(`layers ${JSON.stringify(f.layers)} must start with ${FEATURE_NAMES.length}`);
  if (!Array.isArray(f.params) || f.params.some((p) => typeof p !== 'number' || !Number.isFinite(p))) throw incompatible('params must be finite numbers');
  if (f.prior !== undefined && (!Array.isArray(f.prior) || f.prior.some((p) => typeof p !== 'number' || !Number.isFinite(p)))) throw incompatible('prior must be finite numbers');
  try {
    return { mlp: new Mlp(f.layers, f.params, f.prior ?? null), file: f as ModelFile };
  } catch (e) {
    throw incompatible((e as Error).message);
  }
}

const cache = new Map<string, { mlp: Mlp; file: ModelFile }>();

/** Reads and checks a model file; cached per absolute path (bench builds many schedulers). */
export function loadModel(path: string): { mlp: Mlp; file: ModelFile } {
  const abs = resolve(path);
  const hit = cache.get(abs);
  if (hit) return hit;
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    throw new KairosError('PARAM_INVALID', `learned policy model ${abs} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); train one with \`kairos train\``, { field: 'model' });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw incompatible(`${abs} is not JSON (${(e as Error).message})`);
  }
  const m = modelFromFile(parsed);
  cache.set(abs, m);
  return m;
}

/** Writes atomically (temp file + rename): an interrupted save never leaves half a model. */
export function saveModel(path: string, file: ModelFile): void {
  mkdirSync(dirname(resolve(path)), { recursive: true });
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(file, null, 1) + '\n');
  renameSync(tmp, path);
  cache.delete(resolve(path));
}
