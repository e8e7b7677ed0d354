/** The bounded log, the redactor and the line splitter, as units (in memory, property-based). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BoundedLog, truncationMarker } from '../../src/exec/bounded-log.js';
import { Redactor } from '../../src/exec/redact.js';
import { LineSplitter, MAX_LINE_CHARS } from '../../src/exec/line-splitter.js';

async function kept(chunks: string[], max: number): Promise<string> {
  const log = new BoundedLog(null, max);
  for (const c of chunks) log.write(c);
  await log.close();
  return log.text();
}

test('property: the log is the whole text when it fits, else head + marker + tail of the right sizes', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.string({ maxLength: 300 }), { maxLength: 40 }), fc.integer({ min: 0, max: 2000 }), async (chunks, max) => {
      const all = chunks.join('');
      const text = await kept(chunks, max);
      if (all.length <= max) return assert.equal(text, all);
      const head = Math.floor(max / 2);
      const tail = max - head;
      const dropped = all.length - max;
      assert.equal(text, all.slice(0, head) + truncationMarker(dropped) + all.slice(all.length - tail));
    }),
  );
});

test('cuts fall on UTF-8 character boundaries', async () => {
  const text = await kept(['é'.repeat(100)], 51); // 200 bytes, 2 per char; head 25 bytes, tail 26
  const [head, tail] = text.split(/\n\[\.\.\. \d+ bytes truncated \.\.\.\]\n/);
  assert.equal(head, 'é'.repeat(12));
  assert.equal(tail, 'é'.repeat(13));
  assert.ok(!text.includes('\uFFFD'));
});

test('writes after close are ignored', async () => {
  const log = new BoundedLog(null, 100);
  log.write('a');
  await log.close();
  log.write('b');
  assert.equal(log.text(), 'a');
});

test('redactor: longest secret first, multi-line secrets line by line, empty values ignored', () => {
  const r = new Redactor(['abc', 'abcdef', '', 'k1\nk2-line']);
  assert.equal(r.text('xabcdefx abc'), 'x***x ***');
  assert.equal(r.text('k1 then k2-line'), '*** then ***');
  assert.equal(r.text('nothing here'), 'nothing here');
  assert.deepEqual(r.deep({ a: ['abc', 1], abc: { b: 'zabcdef' } }), { a: ['***', 1], '***': { b: 'z***' } });
  assert.equal(new Redactor([]).active, false);
});

test('redactor.deep keeps a "__proto__" key as data, never as a prototype', () => {
  const r = new Redactor(['s']);
  const out = r.deep(JSON.parse('{"__proto__": {"polluted": true}}')) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.deepEqual(Object.keys(out), ['__proto__']);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('line splitter: lines cross chunk boundaries, multi-byte characters too', () => {
  const lines: string[] = [];
  const s = new LineSplitter((line, first, last) => {
    assert.ok(first && last);
    lines.push(line);
  });
  const bytes = Buffer.from('héllo\nwörld\r\nlast', 'utf8');
  for (let i = 0; i < bytes.length; i++) s.push(bytes.subarray(i, i + 1));
  s.end();
  assert.deepEqual(lines, ['héllo', 'wörld\r', 'last']);
});

test('line splitter: an endless line is handed out in bounded fragments', () => {
  const pieces: { len: number; first: boolean; last: boolean }[] = [];
  const s = new LineSplitter((line, first, last) => pieces.push({ len: line.length, first, last }));
  const chunk = Buffer.alloc(256 * 1024, 'x');
  for (let i = 0; i < 10; i++) s.push(chunk);
  s.push(Buffer.from('\nnext\n'));
  s.end();
  assert.ok(pieces.every((p) => p.len <= MAX_LINE_CHARS + chunk.length));
  assert.equal(pieces.reduce((n, p) => n + (p.len === 4 ? 0 : p.len), 0), 10 * chunk.length);
  assert.deepEqual(pieces[0], { len: pieces[0]!.len, first: true, last: false });
  assert.deepEqual(pieces.at(-1), { len: 4, first: true, last: true });
  assert.equal(pieces.filter((p) => p.first).length, 2);
});
