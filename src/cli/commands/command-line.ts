/**
 * The command line a model or report records in its metadata, rebuilt from what commander parsed
 * (`kairos <name>` + every option given on the command line, in declaration order) rather than
 * from process.argv: under `node -e` or another launcher process.argv has a different prefix, and
 * slicing it dropped the first flags (the shipped model recorded its command without
 * `--residual`). Defaults are left out, so the line is what the user typed, normalised.
 */
import type { Command } from 'commander';

export function commandLine(cmd: Command): string {
  const parts = ['kairos', cmd.name()];
  for (const o of cmd.options) {
    const key = o.attributeName();
    if (cmd.getOptionValueSource(key) !== 'cli') continue;
    const v = cmd.getOptionValue(key) as unknown;
    const flag = o.long ?? o.short!;
    if (typeof v === 'boolean') {
      if (v !== o.negate) parts.push(flag); // --fresh (true), --no-x (false)
    } else if (v !== undefined) parts.push(flag, ...(Array.isArray(v) ? v.map(String) : [String(v)]));
  }
  parts.push(...cmd.args);
  return parts.join(' ');
}
