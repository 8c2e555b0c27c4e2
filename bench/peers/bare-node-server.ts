/**
 * Peer process: a bare Node http server, the loopback ceiling. PUT /files/x streams the body to a
 * file in the folder given as argv[3], GET /files/x streams it back in 1 MiB reads (/files64k/x in
 * Node's default 64 KiB reads), any other request answers a fixed 302.
 * Usage: node --import tsx bench/peers/bare-node-server.ts PORT DIR
 */
import { createServer } from 'node:http';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { join, basename } from 'node:path';
import { pipeline } from 'node:stream/promises';

const port = Number(process.argv[2]);
const dir = process.argv[3]!;
const LOCATION = 'http://127.0.0.1:9/bucket/file.bin?X-Amz-Signature=0123456789abcdef';

createServer((req, res) => {
  const name = join(dir, basename(decodeURIComponent((req.url ?? '/').split('?')[0]!)) || 'x');
  if (req.method === 'PUT') {
    pipeline(req, createWriteStream(name)).then(() => { res.statusCode = 201; res.end(); }, () => { res.statusCode = 500; res.end(); });
    return;
  }
  if (req.method === 'GET' && (req.url?.startsWith('/files/') || req.url?.startsWith('/files64k/'))) {
    try {
      const st = statSync(name);
      res.writeHead(200, { 'Content-Length': st.size, 'Content-Type': 'application/octet-stream' });
      // /files64k/ reads with Node's default 64 KiB chunks, /files/ with 1 MiB.
      const highWaterMark = req.url.startsWith('/files64k/') ? 64 * 1024 : 1 << 20;
      pipeline(createReadStream(name, { highWaterMark }), res).catch(() => res.destroy());
    } catch { res.statusCode = 404; res.end(); }
    return;
  }
  res.writeHead(302, { Location: LOCATION, 'Cache-Control': 'no-store', 'Content-Length': 0 });
  res.end();
}).listen(port, '127.0.0.1');
