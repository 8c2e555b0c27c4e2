/**
 * An HTTP proxy in front of the test S3 for faults no real server shows on demand: every call
 * passes through unchanged (SigV4 still verifies: the Host header is forwarded as signed) except
 * the ones a rule intercepts, which get an S3 error answer, are held forever, or have their
 * connection dropped. Loopback only. The proxy keeps the event loop no more alive than a remote
 * store would (its listener and client sockets are unref'd), so a promise that only an unref'd
 * timer would settle still shows up as a hang in the test.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What to do with an intercepted call. */
export type StubAnswer =
  | { status: number; code: string }
  | 'hold'
  | 'drop';

/** Decides per request; undefined passes it through. */
export type StubRule = (req: { method: string; path: string; query: URLSearchParams }) => StubAnswer | undefined;

export interface S3StubProxy {
  /** `http://127.0.0.1:port` to use as the S3 endpoint. */
  readonly url: string;
  /** Calls the rule intercepted so far, as `METHOD path?query`. */
  readonly intercepted: string[];
  close(): Promise<void>;
}

/** AbortMultipartUpload: `DELETE /bucket/key?uploadId=…`. */
export const isAbortMultipart: (req: { method: string; query: URLSearchParams }) => boolean = (req) =>
  req.method === 'DELETE' && req.query.has('uploadId');

/** UploadPart number `n` or above: `PUT /bucket/key?partNumber=n&uploadId=…`. */
export const isUploadPartFrom = (n: number) => (req: { method: string; query: URLSearchParams }): boolean =>
  req.method === 'PUT' && req.query.has('uploadId') && Number(req.query.get('partNumber')) >= n;

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'expect', 'proxy-connection', 'te', 'trailer', 'upgrade']);

/**
 * Starts the proxy on 127.0.0.1:0 in front of `target` (the test S3 endpoint).
 * @throws on listen failure
 */
export async function startS3StubProxy(target: string, rule: StubRule): Promise<S3StubProxy> {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true });
  const sockets = new Set<Socket>();
  const intercepted: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stub');
    const answer = rule({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams });
    if (answer !== undefined) {
      intercepted.push(`${req.method} ${url.pathname}${url.search}`);
      if (answer === 'drop') { req.socket.destroy(); return; }
      if (answer === 'hold') { req.resume(); return; }
      req.resume();
      req.on('end', () => {
        res.writeHead(answer.status, { 'content-type': 'application/xml' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${answer.code}</Code><Message>stubbed</Message></Error>`);
      });
      return;
    }
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !HOP_BY_HOP.has(k)));
    const out = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    out.on('error', () => req.socket.destroy());
    req.pipe(out);
  });
  server.on('connection', (s: Socket) => {
    s.unref();
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', resolve); });
  server.unref();
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    intercepted,
    close() {
      for (const s of sockets) s.destroy();
      agent.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
