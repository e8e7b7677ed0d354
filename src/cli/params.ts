import { CliExit } from './fail.js';

/** Collects repeated `--param k=v` flags into an object (values stay strings; the spec coerces). */
export function collectParam(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new CliExit(2, `--param expects key=value, got '${value}' (e.g. --param date=2024-01-01)`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}
