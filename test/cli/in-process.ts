/** The CLI in this process (main() with stdout/stderr captured): each spawn of it costs seconds. */
import { main } from '../../src/cli/main.js';

export async function inProcess(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  const w1 = process.stdout.write.bind(process.stdout);
  const w2 = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((c: string) => ((out.stdout += c), true)) as typeof process.stdout.write;
  process.stderr.write = ((c: string) => ((out.stderr += c), true)) as typeof process.stderr.write;
  const before = process.exitCode;
  try {
    await main(args);
    return { status: Number(process.exitCode ?? 0), ...out };
  } finally {
    process.stdout.write = w1;
    process.stderr.write = w2;
    process.exitCode = before;
  }
}
