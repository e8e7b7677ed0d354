/**
 * "Did you mean" suggestions for misspelt names: fields, task ids, params. Edit distance
 * (Levenshtein) within a third of the word's length, plus the field names people bring from
 * other tools (Airflow, GitHub Actions, Argo), which are never a small edit away.
 */
import { distance } from 'fastest-levenshtein';

/** Field names of other orchestrators, mapped to Kairos's own. */
const ALIASES: Readonly<Record<string, string>> = {
  depends_on: 'needs',
  dependsOn: 'needs',
  depends: 'needs',
  dependencies: 'needs',
  after: 'needs',
  upstream: 'needs',
  if: 'when',
  condition: 'when',
  command: 'run',
  cmd: 'run',
  script: 'run',
  retry: 'retries',
  environment: 'env',
  working_directory: 'cwd',
  workdir: 'cwd',
  with_items: 'foreach',
  for_each: 'foreach',
  matrix: 'foreach',
  timeout_minutes: 'timeout',
  function: 'fn',
  request: 'http',
  on_failure: 'compensate',
  rollback: 'compensate',
  steps: 'tasks',
  jobs: 'tasks',
};

/** The closest candidate to `word`, or undefined when none is close enough to be a typo. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const list = [...candidates];
  const alias = ALIASES[word];
  if (alias !== undefined && list.includes(alias)) return alias;
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of list) {
    if (c === word) continue;
    const d = c.toLowerCase() === lower ? 0.5 : distance(lower, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  const allowed = Math.max(1, Math.floor(word.length / 3));
  return bestD <= allowed ? best : undefined;
}

/** `"; did you mean \`needs\`?"` or the empty string, for appending to a message. */
export function suggestion(word: string, candidates: Iterable<string>): string {
  const m = didYouMean(word, candidates);
  return m === undefined ? '' : `; did you mean \`${m}\`?`;
}
