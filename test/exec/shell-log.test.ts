/** The task log of shell attempts: redacted, bounded (head and tail kept), complete at resolve. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ShellExecutor } from '../../src/exec/shell-executor.js';
import { request, shell, never, tempDir } from './helpers.js';

const dir = tempDir('shell-log');
after(() => rmSync(dir, { recursive: true, force: true }));
const ex = new ShellExecutor();

test('stdout and stderr go to the log file, whose folders are created', async () => {
  const logPath = join(dir, 'nested', 'run', 'task.1.log');
  const res = await ex.execute(request(shell('echo out-line; echo err-line >&2; printf "no newline at end"'), { logPath }), never());
  assert.equal(res.outcome, 'succeeded');
  const log = readFileSync(logPath, 'utf8');
  assert.match(log, /out-line\n/);
  assert.match(log, /err-line\n/);
  assert.match(log, /no newline at end\n$/);
});

test('secret values never reach the log, the error or the outputs', async () => {
  const logPath = join(dir, 'secret.log');
  const secret = 's3cr3t-Tok3n-value';
  const multi = 'line-one-of-key\nline-two-of-key';
  const res = await ex.execute(
    request(
      shell(`
        echo "token is $TOKEN"
        echo "again:$TOKEN:$TOKEN" >&2
        printf '%s\\n' "$KEY"
        echo "::kairos-output {\\"leak\\": \\"$TOKEN\\"}"
        echo "auth failed for $TOKEN" >&2
        exit 4`),
      { logPath, env: { TOKEN: secret, KEY: multi, PLAIN: 'visible' }, secretEnv: ['TOKEN', 'KEY'] },
    ),
    never(),
  );
  const log = readFileSync(logPath, 'utf8');
  assert.ok(!log.includes(secret), log);
  assert.ok(!log.includes('line-one-of-key') && !log.includes('line-two-of-key'), log);
  assert.match(log, /token is \*\*\*/);
  assert.match(log, /again:\*\*\*:\*\*\*/);
  assert.equal(res.error, 'exit code 4: auth failed for ***');

  const ok = await ex.execute(
    request(shell(`echo "::kairos-output {\\"leak\\": \\"x-$TOKEN-y\\"}"`), { env: { TOKEN: secret }, secretEnv: ['TOKEN'] }),
    never(),
  );
  assert.deepEqual(ok.outputs, { leak: 'x-***-y' });
});

test('a secret inherited from the orchestrator environment is redacted too', async () => {
  const logPath = join(dir, 'inherited-secret.log');
  process.env.KAIROS_TEST_SECRET = 'inherited-secret-value';
  const res = await ex.execute(request(shell('echo "$KAIROS_TEST_SECRET"'), { logPath, secretEnv: ['KAIROS_TEST_SECRET'] }), never());
  delete process.env.KAIROS_TEST_SECRET;
  assert.equal(res.outcome, 'succeeded');
  assert.equal(readFileSync(logPath, 'utf8'), '***\n');
});

test('a large output keeps the head and the tail of the log, with a truncation marker', async () => {
  const logPath = join(dir, 'big.log');
  const maxLogBytes = 4096;
  // ~590 KB of numbered lines between a first and a last line.
  const res = await ex.execute(
    request(shell('echo FIRST-LINE; seq 1 100000; echo LAST-LINE >&2; exit 1'), { logPath, maxLogBytes }),
    never(),
  );
  assert.equal(res.error, 'exit code 1: LAST-LINE');
  const log = readFileSync(logPath, 'utf8');
  assert.ok(log.startsWith('FIRST-LINE\n1\n2\n3\n'), log.slice(0, 50));
  assert.ok(log.endsWith('99999\n100000\nLAST-LINE\n'), log.slice(-50));
  const marker = /\n\[\.\.\. (\d+) bytes truncated \.\.\.\]\n/.exec(log);
  assert.ok(marker, 'has a truncation marker');
  const total = 'FIRST-LINE\n'.length + 'LAST-LINE\n'.length + Array.from({ length: 100000 }, (_, i) => `${i + 1}\n`).join('').length;
  const kept = Buffer.byteLength(log) - marker[0].length;
  assert.equal(kept, maxLogBytes);
  assert.equal(Number(marker[1]), total - maxLogBytes);
  assert.ok(statSync(logPath).size < maxLogBytes + 100);
});

test('a small output is logged whole, without a marker', async () => {
  const logPath = join(dir, 'small.log');
  await ex.execute(request(shell('seq 1 10'), { logPath, maxLogBytes: 4096 }), never());
  assert.equal(readFileSync(logPath, 'utf8'), Array.from({ length: 10 }, (_, i) => `${i + 1}\n`).join(''));
});

test('peak memory of the process tree is measured when the task lives long enough', async () => {
  const sampled = new ShellExecutor({ rssSampleMs: 50 });
  // Runs until its own parent shell has been sampled at least once (a /proc read of its status).
  const res = await sampled.execute(request(shell('for i in $(seq 1 40); do sleep 0.05; done')), never());
  assert.equal(res.outcome, 'succeeded');
  assert.ok((res.usage?.maxRssBytes ?? 0) > 100 * 1024, `maxRssBytes ${res.usage?.maxRssBytes}`);
});
