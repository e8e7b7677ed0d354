/**
 * Runs one measuring child of bench/engine/run.ts (`--child ...`, `--memory`) in a fresh
 * process and collects the `RESULT {json}` lines it prints, one per timed run; its other stdout
 * goes to stderr. Shared by run.ts and warmup-curve.ts. A child still running when this process
 * exits is killed.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const RUN = fileURLToPath(new URL('./run.ts', import.meta.url));

export function runChild(nodeArgs: readonly string[], args: readonly string[]): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, ...nodeArgs, RUN, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const kill = () => child.kill('SIGKILL');
    process.once('exit', kill);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      process.off('exit', kill);
      const results = out.split('\n').filter((l) => l.startsWith('RESULT ')).map((l) => JSON.parse(l.slice(7)) as unknown);
      const other = out.split('\n').filter((l) => l && !l.startsWith('RESULT ')).join('\n');
      if (other) process.stderr.write(other + '\n');
      if (code !== 0) reject(new Error(`child ${args.join(' ')} exited ${code ?? signal}`));
      else resolve(results);
    });
  });
}
