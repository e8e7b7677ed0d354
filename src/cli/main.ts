/**
 * The `kairos` command line. Exit codes (docs/cli.md): 0 success, 1 run failed or request
 * refused, 2 invalid input, 3 not found, 130 interrupted.
 */
import { Command, CommanderError } from 'commander';
import { registerRun } from './commands/run.js';
import { registerValidate } from './commands/validate.js';
import { registerInspect } from './commands/inspect.js';
import { registerControl } from './commands/control.js';
import { registerSimulate } from './commands/simulate.js';
import { registerBench } from './commands/bench.js';
import { registerServer } from './commands/server.js';
import { registerToken } from './commands/token.js';
import { registerWorker } from './commands/worker.js';
import { registerTrain } from './commands/train.js';
import { registerFinetune } from './commands/finetune.js';
// Registers the `learned` policy, so --policy learned works in simulate, bench and the server.
import '../learn/rl/register.js';
import { registerTune } from './commands/tune.js';
import { registerWhatIf } from './commands/whatif.js';
import { registerPrune } from './commands/prune.js';
import { exitCodeOf, messageOf } from './fail.js';

export function buildProgram(): Command {
  const program = new Command('kairos')
    .description('Kairos: a self-tuning job orchestrator')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerRun(program);
  registerValidate(program);
  registerInspect(program);
  registerControl(program);
  registerSimulate(program);
  registerBench(program);
  registerServer(program);
  registerToken(program);
  registerWorker(program);
  registerTrain(program);
  registerFinetune(program);
  registerTune(program);
  registerWhatIf(program);
  registerPrune(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed its message; usage errors are invalid input (2).
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    process.stderr.write(messageOf(err) + '\n');
    process.exitCode = exitCodeOf(err);
  }
}
