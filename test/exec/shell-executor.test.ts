import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ShellExecutor } from '../../src/exec/shell-executor.js';
import { MAX_OUTPUT_BYTES } from '../../src/exec/outputs.js';
import { request, shell, never, tempDir } from './helpers.js';

const dir = tempDir('shell');
after(() => rmSync(dir, { recursive: true, force: true }));
const ex = new ShellExecutor();

test('exit 0 succeeds with outputs merged from stdout lines, $KAIROS_OUTPUT and outputs.file (later wins)', async () => {
  const cwd = join(dir, 'outputs');
  mkdirSync(cwd);
  const res = await ex.execute(
    request(
      shell(`
        echo '::kairos-output {"a": 1, "b": "stdout"}'
        echo '::kairos-output {"c": [1, 2]}'
        echo '{"b": "kairos-output-file", "d": true}' > "$KAIROS_OUTPUT"
        echo '{"d": "spec-file"}' > out.json
        echo done`),
      { cwd, outputFile: 'out.json' },
    ),
    never(),
  );
  assert.equal(res.outcome, 'succeeded', res.error ?? '');
  assert.equal(res.exitCode, 0);
  assert.equal(res.error, null);
  assert.deepEqual(res.outputs, { a: 1, b: 'kairos-output-file', c: [1, 2], d: 'spec-file' });
});

test('output lines are plain lines when outputsFromStdout is false', async () => {
  const res = await ex.execute(request(shell(`echo '::kairos-output {"a": 1}'`), { outputsFromStdout: false }), never());
  assert.equal(res.outcome, 'succeeded');
  assert.deepEqual(res.outputs, {});
});

test('the $KAIROS_OUTPUT file is removed after the attempt', async () => {
  const keep = join(dir, 'kairos-output-path.txt');
  const res = await ex.execute(request(shell(`echo "$KAIROS_OUTPUT" > ${keep}; echo '{"x":1}' > "$KAIROS_OUTPUT"`)), never());
  assert.deepEqual(res.outputs, { x: 1 });
  const path = readFileSync(keep, 'utf8').trim();
  assert.throws(() => readFileSync(path), /ENOENT/);
});

test('a non-zero exit fails with the code and the last non-empty stderr line', async () => {
  const res = await ex.execute(request(shell('echo to-stdout; echo first >&2; echo "  last problem  " >&2; echo >&2; exit 7')), never());
  assert.equal(res.outcome, 'failed');
  assert.equal(res.exitCode, 7);
  assert.equal(res.signal, null);
  assert.equal(res.error, 'exit code 7: last problem');
});

test('with no stderr, the error quotes the last stdout line (not an output line)', async () => {
  const res = await ex.execute(request(shell(`echo 'copying files'; echo '::kairos-output {"a":1}'; exit 2`)), never());
  assert.equal(res.error, 'exit code 2: copying files');
});

test('a process killed by a signal fails naming the signal', async () => {
  const res = await ex.execute(request(shell('kill -9 $$')), never());
  assert.equal(res.outcome, 'failed');
  assert.equal(res.signal, 'SIGKILL');
  assert.equal(res.exitCode, null);
  assert.match(res.error ?? '', /^killed by signal SIGKILL/);
});

test('a bad JSON output line fails the attempt, naming the line', async () => {
  const res = await ex.execute(request(shell(`echo hello; echo '::kairos-output {"a": nope}'; echo '::kairos-output {"b": 2}'`)), never());
  assert.equal(res.outcome, 'failed');
  assert.match(res.error ?? '', /invalid output on stdout line 2: .*::kairos-output \{\\"a\\": nope\}/);
  assert.deepEqual(res.outputs, {});
});

test('an output that is not a JSON object fails the attempt', async () => {
  const res = await ex.execute(request(shell(`echo '::kairos-output [1, 2]'`)), never());
  assert.equal(res.outcome, 'failed');
  assert.match(res.error ?? '', /stdout line 1: expected a JSON object/);
});

test('a bad $KAIROS_OUTPUT file fails the attempt, naming the file', async () => {
  const res = await ex.execute(request(shell(`echo 'not json' > "$KAIROS_OUTPUT"`)), never());
  assert.equal(res.outcome, 'failed');
  assert.match(res.error ?? '', /invalid output file \$KAIROS_OUTPUT/);
});

test('outputs over the size limit fail the attempt with a clear error (line and file)', async () => {
  const big = join(dir, 'big.json');
  writeFileSync(big, JSON.stringify({ blob: 'x'.repeat(MAX_OUTPUT_BYTES) }));
  const file = await ex.execute(request(shell('true'), { cwd: dir, outputFile: 'big.json' }), never());
  assert.equal(file.outcome, 'failed');
  assert.match(file.error ?? '', /outputs exceed the 1048576-byte limit \(reached at output file 'big.json'\)/);

  const line = await ex.execute(request(shell(`printf '::kairos-output '; cat ${big}; echo`)), never());
  assert.equal(line.outcome, 'failed');
  assert.match(line.error ?? '', /outputs exceed the 1048576-byte limit/);
});

test('env and cwd are applied; a templated value with shell syntax arrives as one literal value', async () => {
  const cwd = join(dir, 'work dir');
  mkdirSync(cwd);
  const hostile = 'x; rm -rf ~ $(touch pwned) `id`';
  const res = await ex.execute(
    request(shell(`pwd > seen-cwd; printf '%s' "$PARAM" > seen-param; echo "$KAIROS_RUN_ID $KAIROS_TASK_ID $KAIROS_ATTEMPT" > seen-ids`), {
      cwd,
      env: { PARAM: hostile },
      runId: 'r-42',
      taskId: 'extract',
      attempt: 3,
    }),
    never(),
  );
  assert.equal(res.outcome, 'succeeded', res.error ?? '');
  assert.equal(readFileSync(join(cwd, 'seen-cwd'), 'utf8').trim(), cwd);
  assert.equal(readFileSync(join(cwd, 'seen-param'), 'utf8'), hostile);
  assert.equal(readFileSync(join(cwd, 'seen-ids'), 'utf8').trim(), 'r-42 extract 3');
  assert.throws(() => readFileSync(join(cwd, 'pwned')), /ENOENT/);
});

test('the task inherits the orchestrator environment, and req.env overrides it', async () => {
  process.env.KAIROS_TEST_INHERITED = 'from-parent';
  const res = await ex.execute(
    request(shell(`echo "::kairos-output {\\"i\\": \\"$KAIROS_TEST_INHERITED\\", \\"h\\": \\"$HOME\\"}"`), { env: { HOME: '/custom-home' } }),
    never(),
  );
  delete process.env.KAIROS_TEST_INHERITED;
  assert.deepEqual(res.outputs, { i: 'from-parent', h: '/custom-home' });
});

test('a missing shell or cwd fails with a message naming it', async () => {
  const noShell = await ex.execute(request({ kind: 'shell', shell: 'no-such-shell-kairos', run: 'true' }), never());
  assert.equal(noShell.outcome, 'failed');
  assert.match(noShell.error ?? '', /cannot start 'no-such-shell-kairos'/);

  const noCwd = await ex.execute(request(shell('true'), { cwd: join(dir, 'missing') }), never());
  assert.equal(noCwd.outcome, 'failed');
  assert.match(noCwd.error ?? '', /cwd '.*missing' cannot be used/);
});

test('a non-shell action is refused, not run', async () => {
  const res = await ex.execute(request({ kind: 'fn', fn: 'x', args: null }), never());
  assert.equal(res.outcome, 'failed');
  assert.match(res.error ?? '', /cannot run 'fn' actions/);
});
