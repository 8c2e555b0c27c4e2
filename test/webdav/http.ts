/**
 * Request helpers for the WebDAV tests: one fresh connection per request (no keep-alive surprises),
 * raw paths sent exactly as given (no URL normalisation), and raw-socket requests for inputs an
 * HTTP client would refuse to send.
 */
import http from 'node:http';
import net from 'node:net';
import { sendTo } from '../helpers/client-sequences.ts';
import { skipUnlessS3 } from '../helpers/s3env.ts';
import type { TestDaemon, USERS } from '../helpers/daemon.ts';

export interface Reply { status: number; headers: http.IncomingHttpHeaders; body: string; raw: Buffer }

export interface ReqOptions {
  headers?: Record<string, string | number | string[]>;
  body?: string | Buffer;
  /** Signed-in user (default alice); null = anonymous. */
  user?: keyof typeof USERS | null;
}

/** Sends one request with `path` exactly as given. @throws on connection errors */
export function dav(d: TestDaemon, method: string, path: string, o: ReqOptions = {}): Promise<Reply> {
  const user = o.user === undefined ? 'alice' : o.user;
  return sendTo(`http://127.0.0.1:${d.port}`, user ? d.basic(user) : undefined)(method, path, o);
}

/** Writes raw bytes on a fresh socket and returns everything read until the server closes or `ms` pass. */
export function rawRequest(d: TestDaemon, text: string | Buffer, ms = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(d.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => { s.destroy(); resolve(Buffer.concat(chunks).toString('latin1')); }, ms);
    s.on('data', (c) => chunks.push(c));
    s.on('close', () => { clearTimeout(timer); resolve(Buffer.concat(chunks).toString('latin1')); });
    s.on('error', (e) => { clearTimeout(timer); if (chunks.length) resolve(Buffer.concat(chunks).toString('latin1')); else reject(e); });
    s.write(text);
  });
}

/** Status code of a raw HTTP response text (0 if none). */
export function statusOfRaw(text: string): number {
  const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
  return m ? Number(m[1]) : 0;
}

/** The `Authorization` value for a user, for raw requests. */
export function authLine(d: TestDaemon, user: keyof typeof USERS = 'alice'): string {
  return `Authorization: ${d.basic(user)}\r\n`;
}

/** Asserts the server still answers (OPTIONS /). @throws AssertionError-like Error */
export async function stillAlive(d: TestDaemon): Promise<void> {
  const r = await dav(d, 'OPTIONS', '/', { user: null });
  if (r.status !== 200) throw new Error(`server no longer answers OPTIONS / (status ${r.status})`);
}

/** Hrefs of a multistatus body, in order. */
export function hrefs(xml: string): string[] {
  return [...xml.matchAll(/<D:href>([^<]*)<\/D:href>/g)].map((m) => m[1]!);
}

/** Reason printed when the S3 category is absent (so the skip is visible), or false. */
export function s3SkipReason(): string | false {
  return skipUnlessS3();
}
