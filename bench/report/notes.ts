/**
 * What bounds each missed target, as found by profiling the daemon (`BENCH_CPU_PROF=1`, then
 * `node --import tsx bench/profile-summary.ts FILE.cpuprofile`). Keys are parts of target texts;
 * the report prints the note under a missed target. Profile figures quoted here come from
 * profiling runs made beside the full run (same machine, same day); the code lines named are the
 * fix, for the owners of those files.
 */
const SIDECAR_PER_ENTRY =
  'every listed entry costs one sidecar read (`mount.meta.get` in src/webdav/handlers/propfind.ts → src/vfs/meta-store.ts readJson → `backend.read`), ' +
  'because allprop and getlastmodified need the client mtime and dead properties. Nearly no file has a sidecar, so each read fails: ';
const SIDECAR_FIX =
  ' Fix (propfind.ts + meta-store.ts owners): read the sidecars of a folder with ONE listing of its mirror folder ' +
  '(`.releasedav/meta/d.<seg>/…`: one readdir, or one ListObjectsV2 walk run in parallel with the data listing) and read only the sidecars that exist; ' +
  'remember "this folder has no mirror" in the metadata cache so a Depth 0 PROPFIND of a plain file costs no sidecar I/O at all.';

export const MISS_NOTES: [part: string, note: string][] = [
  ['PUT over WebDAV, disk', 'bounded by durability work nginx does not do. ReleaseDAV streams into a temp file, computes SHA-256 on the way (src/vfs/files.ts), ' +
    'then fsyncs the whole file and renames it (src/backends/local.ts `write`, `fh.sync()`); nginx writes its temp file and renames without fsync. ' +
    'On this disk `dd bs=1M` of 64 MiB ran 763 MB/s plain and 450 MB/s with `conv=fsync`. The CPU profile of the daemon during a 256 MiB disk PUT shows ' +
    'writeBuffer (the file writes) 22 % and SHA-256 `update` 11 % of busy time, and the process busy well under 100 % of the transfer: the write path, not CPU, bounds it. ' +
    'Fix (local.ts owner): overlap the flush with the upload — `fdatasync` every ~64 MiB while the body streams (or `sync_file_range`), so the final fsync only covers the tail; ' +
    'optionally `storage.local.fsync: false` for users who accept nginx-level durability.'],
  ['GET over WebDAV, disk', 'nginx answers with sendfile(2), zero-copy; ReleaseDAV pipes `fh.createReadStream()` (64 KiB default chunks) into the socket, ' +
    'so socket writes and stream bookkeeping dominate its profile. The "bare Node" rows (1 MiB and 64 KiB reads from the same server) show what plain Node reaches in the same run; ' +
    'on a loaded machine the chunk size made no consistent difference, so the gap to nginx is the per-chunk copy through user space.'],
  ['PUT over WebDAV, S3 ≥ 0.9', 'ReleaseDAV sends a known-size body as one streaming PutObject (src/backends/s3-upload.ts), the same call as the "SDK PutObject, one stream" peer, ' +
    'but it relays the client\'s socket chunks (16–64 KiB) one by one through a Transform (size check) and a hashing stage into the SDK\'s request: the 256 MiB S3-PUT profile shows ' +
    'garbage collection 24 %, socket `writeBuffer` 14 % and SHA-256 7 % of busy time, with the daemon idle much of the transfer — it waits on small-buffer back-pressure between two sockets. ' +
    'The direct peers read the file with 1 MiB chunks. Fix (s3-upload.ts owner): give the check Transform and the hashing stage a multi-MiB `highWaterMark` and coalesce chunks to ≥ 1 MiB before the S3 socket.'],
  ['GET over WebDAV, S3 ≥ 0.9', 'ReleaseDAV reads with the SDK\'s GetObject and pipes its body to the client, so it cannot beat the "SDK GetObject" row, which itself runs well below curl on a presigned URL ' +
    '(the SDK body stream is a 16–64 KiB-chunk Node stream). Fix (s3.ts owner): for whole-object and ranged GETs, fetch a presigned URL (the presigner built for /dl) with node:http ' +
    'and pipe that response with a 1 MiB `highWaterMark`; WebDAV then adds one copy, not an SDK layer.'],
  ['S3 ahead of rclone', 'see the two notes above: rclone copies S3 bodies with large buffers in Go; the same fixes close this gap.'],
  ['chunked PUT to S3 ≤ 150 MiB', 'the upload itself adds little (compare "RSS before" with the peak in the figures: the first upload adds ~35 MiB of stream and SDK buffers that stay, ' +
    'the 5 GiB one a few MiB more; the body streams as one PutObject, nothing is buffered per part), but a fresh daemon already idles near the target (~145 MiB): `node --import tsx` starts a second V8 isolate for the ESM loader hooks (≈ 74 MiB RSS before any module; plain `node` is 39 MiB), ' +
    'and loading every module of src/app.ts takes it to ≈ 117 MiB before serving. Fix (packaging/main.ts owner): ship compiled JavaScript (`tsc` to dist/, `node dist/main.js`) ' +
    'instead of transpiling at run time, and load the AWS SDK only when a category uses S3.'],
  ['files ≤ 2× nginx', `${SIDECAR_PER_ENTRY}on disk each miss is \`resolve()\` in src/backends/local.ts calling \`fs.realpath\` on the sidecar path and then on each missing ancestor ` +
    '(4–5 realpath calls per entry) plus a thrown VfsError. The sidecar cache (src/webdav/meta-cache.ts, `cache.ttlSeconds`) hides the misses for 5 s, which is why the first ' +
    'listing is several times slower than the median (see "first" in the figures). Profile of this measure (six Depth 1 listings of 10,000 files and 8 s of Depth 0): ' +
    '`realpath` is the largest self time (14 %; `resolve` 16 % inclusive), then socket writes (13 %), `stat` (5 %), failed-fs-call errors (4 %), then XML rendering and escaping ' +
    `(propfind render + liveProp + escapeXml ≈ 8 %).${SIDECAR_FIX} Also: realpath the listed folder once per listing, not per child. Even fully cached, a per-entry JS path ` +
    'costs ~75 µs per entry here, so "≤ 2× nginx" (a C module that writes straight from readdir) needs the XML of a listing built with far less per-entry work (pre-escaped names, one string template per entry, no per-entry Date formatting).'],
  ['faster than rclone', 'the same per-entry sidecar lookup as in the note above.'],
  ['objects, allprop, cold', `${SIDECAR_PER_ENTRY}on S3 each miss is a GetObject answered 404 followed by an \`isDir\` ListObjectsV2 (src/backends/s3.ts \`read\`), ` +
    `i.e. two S3 requests per object — ~20,000 requests for 10,000 objects where a walk needs 10 (the daemon's own /metrics counters, shown per listing in the figures, confirm it).${SIDECAR_FIX}`],
  ['objects, named, cold', 'the named set asks for getlastmodified, which also needs the sidecar (client mtime): same per-object GetObject + ListObjectsV2 as allprop.'],
  ['warm ≤ 60 ms', 'sidecar reads are cached (src/webdav/meta-cache.ts) only for `cache.ttlSeconds` (5 s here), and a cold listing of this size takes longer than that, ' +
    'so by the time the next PROPFIND comes the first entries have expired and the warm listing repeats the GetObject + ListObjectsV2 pair per object (see the S3 call counts in the figures). ' +
    'Reading the mirror folder with one listing (note above) makes cold and warm both cheap; caching "this folder has no mirror" makes warm free.'],
  ['Depth 0 req/s (disk)', 'each Depth 0 PROPFIND resolves the target with `realpath` (src/backends/local.ts `resolve`), stats it, parses the XML body with saxes, ' +
    'checks Basic auth (an HMAC over the credentials, cached) and, every 5 s when the sidecar cache expires, reads the missing `.dir.json` through the realpath chain. ' +
    'In the profile, `realpath` + `stat` are ~20 % and socket writes ~13 % of busy time; rclone does one `stat` and writes. Fix (local.ts owner): cache the real root and check ' +
    'containment with `lstat` on each path component only when the folder has symlinks (or realpath once per folder, cached for the metadata-cache TTL).'],
  ['Depth 0 req/s (S3)', 'the S3 stat and the sidecar read are cached for `cache.ttlSeconds` (5 s), so most Depth 0 PROPFINDs cost only CPU: the request path of the disk note ' +
    'minus realpath (saxes XML parse ≈ 5 %, Basic auth check ≈ 4 %, path decode/encode and rendering in the Depth 0 profile). When the cache expires, the requests that arrive ' +
    'wait on a GetObject (404) + ListObjectsV2 for the sidecar, which is the p99 of several hundred ms. Fix: as above (cache "no mirror folder" per listing), and skip the XML parse ' +
    'for the common bodies (empty, allprop) with a byte comparison.'],
  ['/dl redirect req/s', 'presigning is cached (src/backends/s3-presign.ts is < 1 % of the profile); the rest is Koa\'s per-request machinery (delegates, on-finished, header setting) ' +
    'and the response write (`writev` 37 % of busy time: headers and an empty body go out as two buffers). Fix (downloads owner): answer the /dl redirect before Koa ' +
    '(a plain `http` request listener that handles `GET /dl/` and falls through to Koa for the rest) and end the 302 with `Content-Length: 0` in one write.'],
  ['/dl redirect p99', 'same cause as the rate: with client, server and wrk on 2 cores the tail follows the per-request CPU cost.'],
];

/** The note for a target, or undefined. */
export function noteFor(target: string): string | undefined {
  return MISS_NOTES.find(([p]) => target.includes(p))?.[1];
}
