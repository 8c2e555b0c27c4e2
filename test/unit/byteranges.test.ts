/** Parsing several ranges: order kept, unsatisfiable members dropped, abuse and malformed headers fall back. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_RANGES, multipartByteranges, parseMultiRange } from '../../src/downloads/byteranges.ts';
import { Readable } from 'node:stream';

test('parseMultiRange', () => {
  assert.deepEqual(parseMultiRange('bytes=10-19, 0-4, -3', 100), [{ start: 10, end: 19 }, { start: 0, end: 4 }, { start: 97, end: 99 }]);
  assert.deepEqual(parseMultiRange('bytes=90-200,500-600', 100), [{ start: 90, end: 99 }], 'an unsatisfiable member is dropped, an overlong end clamped');
  assert.equal(parseMultiRange('bytes=100-,200-300', 100), 'unsatisfiable');
  assert.equal(parseMultiRange('bytes=0-9', 100), undefined, 'one range: the single-range path');
  assert.equal(parseMultiRange('bytes=5-1,7-8', 100), undefined, 'malformed');
  assert.equal(parseMultiRange('items=0-1,2-3', 100), undefined);
  assert.equal(parseMultiRange(`bytes=${Array.from({ length: MAX_RANGES + 1 }, () => '0-0').join(',')}`, 100), undefined, 'too many ranges');
  assert.equal(parseMultiRange(`bytes=${Array.from({ length: 30 }, () => '0-99').join(',')}`, 500), undefined, 'asking for the file many times over: ignored');
});

test('multipartByteranges: exact length, lazy reads, the read is aborted when the receiver leaves', async () => {
  const data = Buffer.from('0123456789abcdefghij');
  const opened: AbortSignal[] = [];
  const a = multipartByteranges([{ start: 0, end: 2 }, { start: 10, end: 12 }], data.length, 'text/plain', async (r, signal) => {
    opened.push(signal);
    return Readable.from([data.subarray(r.start, r.end + 1)]);
  });
  assert.equal(opened.length, 0, 'nothing is read before the body is consumed');
  const body = Buffer.concat(await a.body.toArray());
  assert.equal(body.length, a.length);
  assert.match(body.toString(), /^--\w+\r\nContent-Type: text\/plain\r\nContent-Range: bytes 0-2\/20\r\n\r\n012\r\n--\w+\r\n.*abc\r\n--\w+--\r\n$/s);
  const b = multipartByteranges([{ start: 0, end: 2 }, { start: 3, end: 5 }], 20, 'x/y', async (_r, signal) => {
    opened.push(signal);
    return new Readable({ read() { /* never ends */ } });
  });
  b.body.resume();
  await new Promise((r) => setTimeout(r, 20));
  b.body.destroy();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(opened.at(-1)!.aborted, true, 'the stalled read is aborted');
});
