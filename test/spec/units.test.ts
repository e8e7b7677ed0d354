import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatCpu, formatDuration, formatSize, parseCpu, parseDuration, parseSize, parseTimestamp } from '../../src/core/units.js';

test('durations: accepted forms', () => {
  const cases: [string, number][] = [
    ['500ms', 500],
    ['2.5s', 2500],
    ['90m', 5_400_000],
    ['1h30m', 5_400_000],
    ['1d', 86_400_000],
    ['1h0m5s', 3_605_000],
    ['0s', 0],
    [' 10m ', 600_000],
  ];
  for (const [input, ms] of cases) assert.deepEqual(parseDuration(input), { ok: true, value: ms }, input);
});

test('durations: rejected forms name the accepted ones', () => {
  for (const input of ['10', '', 'abc', '5 m', '30m1h', '1h1h', '-5s', '1.s', 'ms', '1y']) {
    const r = parseDuration(input);
    assert.equal(r.ok, false, input);
    if (!r.ok) assert.match(r.error, /1h30m/, input);
  }
  const n = parseDuration(30);
  assert.equal(n.ok, false);
  if (!n.ok) assert.match(n.error, /no unit/);
  assert.equal(parseDuration(null).ok, false);
});

test('sizes: binary, decimal, bytes', () => {
  const cases: [string | number, number][] = [
    ['512Mi', 512 * 1024 ** 2],
    ['2Gi', 2 * 1024 ** 3],
    ['1G', 1e9],
    ['100M', 1e8],
    ['1048576', 1048576],
    [4096, 4096],
    ['1.5Ki', 1536],
    ['512MiB', 512 * 1024 ** 2],
    ['1k', 1000],
  ];
  for (const [input, bytes] of cases) assert.deepEqual(parseSize(input), { ok: true, value: bytes }, String(input));
  for (const input of ['1Zi', 'lots', '-1', '1 Gib', '', 'Mi']) assert.equal(parseSize(input).ok, false, input);
  assert.equal(parseSize(-5).ok, false);
});

test('cpu: cores and millicores', () => {
  assert.deepEqual(parseCpu('500m'), { ok: true, value: 0.5 });
  assert.deepEqual(parseCpu('2'), { ok: true, value: 2 });
  assert.deepEqual(parseCpu(0.25), { ok: true, value: 0.25 });
  assert.deepEqual(parseCpu('1.5'), { ok: true, value: 1.5 });
  for (const input of ['two', '500mm', '-1', '']) assert.equal(parseCpu(input).ok, false, input);
  assert.equal(parseCpu(-1).ok, false);
});

test('timestamps need a zone', () => {
  assert.deepEqual(parseTimestamp('2024-06-01T06:00:00Z'), { ok: true, value: Date.UTC(2024, 5, 1, 6) });
  assert.deepEqual(parseTimestamp('2024-06-01T08:00:00+02:00'), { ok: true, value: Date.UTC(2024, 5, 1, 6) });
  assert.equal(parseTimestamp('2024-06-01T06:00:00').ok, false);
  assert.equal(parseTimestamp('2024-13-45T06:00:00Z').ok, false);
});

test('round trips: parse(format(x)) === x', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 400 * 86_400_000 }), (ms) => {
      const r = parseDuration(formatDuration(ms));
      return r.ok && r.value === ms;
    }),
  );
  fc.assert(
    fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (bytes) => {
      const r = parseSize(formatSize(bytes));
      return r.ok && r.value === bytes;
    }),
  );
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1_000_000 }), (milli) => {
      const r = parseCpu(formatCpu(milli / 1000));
      return r.ok && r.value === milli / 1000;
    }),
  );
  assert.equal(formatDuration(5_400_000), '1h30m');
  assert.equal(formatSize(512 * 1024 ** 2), '512Mi');
  assert.equal(formatCpu(0.5), '500m');
});

test('unit parsers never throw on junk', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.anything()), (v) => {
      for (const f of [parseDuration, parseSize, parseCpu, parseTimestamp]) {
        const r = f(v);
        if (typeof r.ok !== 'boolean') return false;
      }
      return true;
    }),
  );
});
