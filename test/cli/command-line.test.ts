/**
 * The command a trained model records (src/cli/commands/command-line.ts): rebuilt from what
 * commander parsed, so it is the same under `kairos train ...` and `node -e "main(argv)" train ...`
 * (process.argv.slice(3) dropped `--residual` from the shipped model's metadata that way).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { commandLine } from '../../src/cli/commands/command-line.js';

function parse(argv: string[]): string {
  let line = '';
  const program = new Command().exitOverride();
  program
    .command('train')
    .option('--workloads <list>', 'w', 'tpch-batch')
    .option('--iterations <N>', 'n', '20')
    .option('--residual', 'r')
    .option('--no-color', 'c')
    .option('--fresh', 'f')
    .action((_f, cmd: Command) => {
      line = commandLine(cmd);
    });
  program.parse(argv, { from: 'user' });
  return line;
}

test('commandLine: every flag given, in declaration order; defaults left out', () => {
  assert.equal(parse(['train', '--residual', '--iterations', '4', '--fresh']), 'kairos train --iterations 4 --residual --fresh');
  assert.equal(parse(['train', '--fresh', '--workloads=a,b', '--residual', '--iterations', '4']), 'kairos train --workloads a,b --iterations 4 --residual --fresh');
  assert.equal(parse(['train']), 'kairos train');
  assert.equal(parse(['train', '--no-color']), 'kairos train --no-color');
});
