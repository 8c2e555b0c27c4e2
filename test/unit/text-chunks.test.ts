/** writeText over a real HTTP connection: the bytes arrive intact while buffers are reused. */
import assert from 'node:assert/strict';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { idleTextBuffers, TEXT_BUFFER_BYTES, writeText } from '../../src/webdav/text-chunks.ts';

let server: Server;
/** What the server writes for each path. */
let texts: Record<string, string[]> = {};
let port = 0;

/** GETs the body, reading slowly at first so the server's writes wait on the socket. */
function fetchSlowly(path = '/'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path }, (res) => {
      const parts: Buffer[] = [];
      res.pause();
      setTimeout(() => res.resume(), 300);
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve(Buffer.concat(parts)));
      res.on('error', reject);
    }).on('error', reject);
  });
}

describe('writeText', () => {
  before(async () => {
    server = createServer(async (req, res) => {
      const ac = new AbortController();
      res.on('close', () => ac.abort());
      for (const t of texts[req.url!] ?? []) await writeText({ res, signal: ac.signal }, t);
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('delivers distinct chunks byte for byte to two slow readers at once, and gets its buffers back', async () => {
    // Each chunk nearly fills a buffer and differs from all others, and two responses are in flight
    // at once (each waits with a chunk stuck in its socket): a buffer handed to the other response
    // before the socket sent it would show as wrong bytes.
    const chunks = (tag: string) => Array.from({ length: 40 }, (_, i) => `<${tag} ${i}>` + String.fromCharCode(65 + (i % 26)).repeat(200_000) + `</${tag} ${i}>`);
    texts = { '/a': chunks('a'), '/b': chunks('b') };
    const [a, b] = await Promise.all([fetchSlowly('/a'), fetchSlowly('/b')]);
    assert.ok(a.equals(Buffer.from(texts['/a']!.join(''))), 'first body intact');
    assert.ok(b.equals(Buffer.from(texts['/b']!.join(''))), 'second body intact');
    assert.ok(idleTextBuffers() > 0, 'buffers returned once sent');
  });

  it('encodes multi-byte text whole, also when its UTF-8 is longer than a buffer', async () => {
    const nearEdge = 'a'.repeat(TEXT_BUFFER_BYTES - 5) + '\u{1F680}'; // 4-byte character right at the end
    const tooLong = 'é'.repeat(TEXT_BUFFER_BYTES / 2 + 10); // fewer characters than bytes in a buffer, more bytes
    const overBuffer = 'z'.repeat(TEXT_BUFFER_BYTES + 1);
    texts = { '/': [nearEdge, tooLong, 'ü\u{1F600}<mix>', overBuffer, nearEdge] };
    const body = await fetchSlowly();
    assert.ok(body.equals(Buffer.from(texts['/']!.join(''))), 'body intact');
  });
});
