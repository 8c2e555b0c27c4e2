/**
 * Upload bodies and in-flight uploads for fault tests: a deterministic patterned body that can be
 * held at an offset, and a PUT whose response is awaited separately from the body (the daemon may
 * answer an error while the client is still sending).
 */
import { createHash } from 'node:crypto';
import net from 'node:net';
import { Readable } from 'node:stream';

export const MiB = 1024 * 1024;

/** Bytes [off, off+len) of the pattern body with seed `seed` (1 MiB blocks stamped with their index). */
function block(seed: number, index: number, len: number): Buffer {
  const b = Buffer.alloc(len);
  let x = (seed * 2654435761 + index * 40503 + 1) >>> 0;
  for (let i = 0; i + 4 <= len; i += 4) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; b.writeUInt32LE(x >>> 0, i); }
  return b;
}

/** SHA-256 (hex) of a pattern body. @throws never */
export function patternSha256(size: number, seed: number): string {
  const h = createHash('sha256');
  for (let off = 0, i = 0; off < size; off += MiB, i++) h.update(block(seed, i, Math.min(MiB, size - off)));
  return h.digest('hex');
}

/** A body that stops after `holdAt` bytes until released (or is destroyed by the test). */
export interface HeldBody {
  stream: Readable;
  /** Resolves once `holdAt` bytes were produced. */
  reached: Promise<void>;
  release(): void;
}

/** A patterned body of `size` bytes; with `holdAt` it pauses there. @throws never */
export function patternBody(size: number, seed: number, holdAt = Infinity): HeldBody {
  let sent = 0;
  let index = 0;
  let released = false;
  let wake: (() => void) | undefined;
  let reached!: () => void;
  const reachedP = new Promise<void>((r) => { reached = r; });
  if (holdAt <= 0) reached();
  const stream = new Readable({
    highWaterMark: MiB,
    read() {
      if (sent >= size) { this.push(null); return; }
      if (!released && sent >= holdAt) { reached(); wake = () => { wake = undefined; this._read(MiB); }; return; }
      const len = Math.min(MiB, size - sent, released ? Infinity : holdAt - sent);
      const chunk = block(seed, index++, len);
      sent += len;
      this.push(chunk);
      if (sent >= holdAt && !released) reached();
    },
  });
  return { stream, reached: reachedP, release() { released = true; wake?.(); } };
}

/** An upload in flight. */
export interface InFlight {
  /** Destroys the connection. */
  destroy(): void;
  /** Status and time (ms since start) of the response; resolves with status 0 if the connection closed without one. */
  response: Promise<{ status: number; ms: number; body: string }>;
}

/**
 * Starts `PUT origin+path` over a raw socket piping `body` (so an early answer is read even while
 * the body is still being sent, and write errors after it do not hide it). Without a
 * `content-length` header the body goes chunked.
 * @throws never (failures resolve `response` with status 0)
 */
export function startPut(origin: string, path: string, body: Readable, headers: Record<string, string>): InFlight {
  const u = new URL(origin);
  const t0 = performance.now();
  const sock = net.connect(Number(u.port), u.hostname);
  const chunked = !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length');
  const head = [`PUT ${path} HTTP/1.1`, `Host: ${u.host}`, 'Connection: close', ...(chunked ? ['Transfer-Encoding: chunked'] : []),
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)].join('\r\n') + '\r\n\r\n';
  let got = '';
  let ms = 0;
  const response = new Promise<{ status: number; ms: number; body: string }>((res) => {
    const finish = () => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(got);
      res({ status: m ? Number(m[1]) : 0, ms: ms || performance.now() - t0, body: got.slice(got.indexOf('\r\n\r\n') + 4) });
    };
    sock.on('data', (d: Buffer) => {
      if (!got) ms = performance.now() - t0;
      got += d.toString('latin1');
      if (/\r\n\r\n/.test(got) && /^HTTP\/1\.1 \d{3}/.test(got)) {
        // A complete head (and for errors a short body) is enough; wait briefly for the rest.
        setTimeout(() => { finish(); sock.destroy(); }, 200).unref();
      }
    });
    sock.on('close', finish);
    sock.on('error', () => undefined);
  });
  sock.write(head);
  body.on('error', () => undefined);
  body.on('data', (c: Buffer) => {
    if (sock.destroyed) { body.destroy(); return; }
    const ok = chunked ? sock.write(Buffer.concat([Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from('\r\n')])) : sock.write(c);
    if (!ok) { body.pause(); sock.once('drain', () => body.resume()); }
  });
  body.on('end', () => { if (chunked && !sock.destroyed) sock.write('0\r\n\r\n'); });
  return { destroy: () => { body.destroy(); sock.destroy(); }, response };
}
