/**
 * What bounds each missed target, as found by profiling the daemon (`BENCH_CPU_PROF=1`, or
 * `node --cpu-prof` on a rig beside the run, then `node --import tsx bench/profile-summary.ts FILE`)
 * and by counting the daemon's CPU time per byte or per request (/proc/PID/stat utime+stime),
 * which is far steadier on this shared 2-core machine than rates. Keys are parts of target texts;
 * the report prints the note under a missed target. Figures quoted come from runs made on the
 * same machine the same day as the full run (session 2, after the changes they describe).
 */
const SHARED_CORES = 'The machine has 2 cores shared by the daemon, the client (curl/wrk) and, for S3, the RGW and its OSD; ';

export const MISS_NOTES: [part: string, note: string][] = [
  // Issue 13 (bench/measures/workers.ts) first: their targets also contain "Depth 0 req/s" and "/dl redirect req/s".
  ['workers: 2, PROPFIND Depth 0', 'two bounds, both measured in the run. (1) Redis on the request path: allprop includes DAV:lockdiscovery, so with ' +
    'coordination.redis every Depth 0 PROPFIND asks the shared lock store for the locks covering the path (src/webdav/handlers/propfind.ts, `locks.covering`): one ' +
    'Redis round trip per request, which the request waits for (Redis itself used 0.15–0.17 cores). workers 1 with Redis reached ~0.6× the in-memory process on allprop (0.82× on named props, where Redis is not called: the rest is the rounds\' spread) ' +
    'while the daemon used only ~0.7 cores — latency, not our CPU. With named properties without lockdiscovery (no Redis call; what Finder and rclone list ' +
    'with) the same daemons scale (workers 2 1.35× workers 1) and workers 2 is 4.5× rclone. Lifting allprop would need a per-process view of the lock table kept ' +
    'current through Redis pub/sub (not built). (2) The cores: 2 cores for wrk, Redis, the cluster primary, two workers and the peers — and the other tenants of ' +
    'this shared machine (load average 4–8 during the run). wrk -t1 is not the bound: it used 0.03–0.14 cores at these rates (sh `times`). Two workers got ' +
    '0.83 cores together on allprop and 1.12 on named props; rates spread up to 2× between rounds (rclone 4.5–8.6k, workers 2 7.9–15.8k), so the 1 → 2 ' +
    'worker ratio on allprop (0.78×) is within that spread.'],
  ['workers: 2, /dl redirect', 'CPU per redirect on two cores. Over the runs two workers used 1.23 cores for 62k redirects/s, ≈ 20 µs of CPU each (primary ' +
    'included); the bare server 0.67 cores for 76k/s, ≈ 8.8 µs (a fixed Location: no access check, no presign lookup, no log line). Matching one bare process ' +
    'therefore takes ~2.2× its CPU, ~1.7 cores at 76k/s plus wrk\'s 0.3 — the whole machine, which the run did not have (load average 4–8 from other work). ' +
    'The workers do scale: 1.62× workers 1 (Redis costs /dl nothing: 0.00 Redis cores). One of the three workers-2 rounds fell to 31k, and 281 of 629,829 ' +
    'answers (0.04 %) in that measure were not 2xx/3xx; two 10 s re-runs by hand on the same config afterwards (962k requests) were all 302, so the cause is not identified.'],
  ['workers: 2, PROPFIND Depth 1', 'one listing is one request served by one worker, so a second worker cannot make it faster; and each worker has its own ' +
    'metadata cache, so with curl opening a connection per request (handed to the workers in turn) the first listing on the second worker is cold: the 383 ms ' +
    'sample among 73–119 ms. workers 1 with Redis was 2.4× faster than rclone in the same run (75 ms), and the samples of every daemon spread ~2× with the machine\'s load.'],
  // Issue 16 (bench/measures/listing-scale.ts, many-downloads.ts) before the older 'files ≤ 2× nginx'.
  ['cold PROPFIND Depth 1', 'the bytes we render and send, then the uncached per-entry work. Measured by hand on a quiet machine (load < 1) the same day, ' +
    '10,000 files, allprop: nginx 14–16 ms; ReleaseDAV cached (warm) 23–24 ms, uncached once the code is compiled (a listing of another 10,000-file folder first) ' +
    '51–58 ms with 70–110 ms of CPU over all threads, the first listing of a fresh process (after the login request) 85–95 ms with 130–150 ms of CPU. ' +
    'So three layers: (1) render, UTF-8 encode and send of 747 bytes per entry (RFC 4918 allprop with supportedlock, creationdate, getcontenttype) against ' +
    'nginx\'s 394 — this alone is the warm figure, 1.5–1.6× nginx; (2) uncached work: the stat and the SHA-256 ETag per entry on the listing worker (~3–5 µs), ' +
    'the Entry objects and the metadata-cache inserts on the main thread, GC of all of it (profile: `write node:buffer` 16–20 %, GC 10–25 %, writev 7–15 % of busy time); ' +
    '(3) on the first listing of a process, V8 compiling the rest of the path (Node\'s own HTTP header parsing included) on 2 cores. The password check is not in ' +
    'the figure: one Depth 0 request logs in first (its scrypt check is the row "first request after a start"). Closing the gap would need the entries rendered ' +
    'on the listing worker in parallel with the socket writes, or a smaller allprop; neither is built.'],
  ['warm PROPFIND Depth 1', 'render + UTF-8 encode + send of 7.5 MB (747 bytes per entry) against nginx\'s 4.0 MB: daemon CPU ~26–30 ms per request, nginx ~14 ms ' +
    '(profile of 36 warm requests: encoding ~30 % before the reused output buffers, socket writev ~20 %, property rendering ~17 %). By hand on a quiet machine: 23–24 ms vs 14–16 ms (1.5–1.6×).'],
  ['RSS growth during a 100,000-file listing', 'V8\'s old generation filling with promoted short-lived objects (--trace-gc: ~1.5 MB promoted per scavenge, ' +
    'heap used 38 → 65 MB with no mark-compact during the listing), not a retained structure: smaller batches or read-ahead changed nothing. ' +
    '`--max-semi-space-size=4` meets it (+16 MiB) for ~5 % more CPU on listings, but changes every workload of the daemon; not adopted.'],
  ['peak RSS ≤ 300 MiB', 'the daemon\'s idle size plus ~170 MiB for 1,000 open transfers, of which the 64 MiB transfer budget is the planned part; the rest is ' +
    'per-connection HTTP state and V8\'s heap growing under the allocation rate. Two leaks found and fixed in this session, both measured by hand (wrk -t2 -c1000, 30 MiB file, ' +
    'quiet machine): a disk GET raced every chunk\'s write against one long-lived "socket closed" promise, which kept ~600 bytes per chunk until the transfer ended ' +
    '(V8 heap +12 MB/s; peak 364 → 240 MiB), and an S3 GET copied the body bytes read with each segment\'s response head into a second ~64 KiB buffer (external memory ' +
    '195 → 77 MB, peak 390 → 257 MiB, bytes moved 8.2 → 12 GB). By hand the disk peak is now 230–240 MiB over an idle 126; in the full runs 298 and 307 MiB over an idle ' +
    '138–147 MiB, with the client, the RGW and the peers on the same 2 cores (the peak follows how many transfers are mid-write when sampled).'],
  ['PUT over WebDAV, disk', 'CPU per byte. Daemon CPU per 1 GiB PUT (all threads, kernel included, /proc utime+stime): 2.7–3.1 s; nginx spends 1.3–1.4 s. ' +
    'SHA-256 of the upload is ≈ 0.6 s of it (it is published in the catalog); it now runs on a worker thread (src/vfs/sha256-offload.ts) beside the transfer instead of in series. ' +
    'Durability no longer costs wall time: the temp file is `fdatasync`ed every 32 MiB while the body streams (src/backends/local-flush.ts, ~12 ms each), so the final ' +
    'fsync covers only the tail (~12 ms, was ~0.4 s for the whole GiB); the rename over the previous 1 GiB file (~0.2 s, freeing its blocks) is paid by nginx too. ' +
    'Main-thread profile of two 1 GiB PUTs: busy ~1.2 s per GiB (about half the transfer), of which garbage collection 32 % — freeing the 64 KiB buffers Node\'s HTTP ' +
    'server allocates for every socket read of the body (16,384 per GiB; there is no API to hand it a reused buffer) —, file writes 12 %, the hand-off to the hasher ' +
    '(postMessage 6 %, copying into its batches 5 %). The "bare Node (ceiling)" row — `pipeline(req, createWriteStream)` with no hashing and no fsync — shows what Node itself reaches in the same run. ' +
    'The bench PUTs to the category root, which computes only the SHA-256. An upload into a release folder (an item) also computes SHA-384 and SHA-512 for the ' +
    'feeds (~1.3 s of CPU per GiB each on this CPU, against 0.6 s for SHA-256 with SHA extensions), all on the one hashing worker: by hand the same day 305–325 MB/s ' +
    'and 4.3–4.6 s of daemon CPU per GiB, against 550–660 MB/s and 1.8–2.2 s for a root upload (until this run every upload computed all three, which halved this row: 241 MB/s in the previous full run).'],
  ['GET over WebDAV, disk', 'one copy more than nginx. nginx answers with sendfile(2) (page cache → socket inside the kernel); Node has no sendfile, so the daemon ' +
    'reads the range with `pread` into two reused 1 MiB buffers and writes them to the socket (src/backends/local-send.ts: no allocation per chunk; the previous ' +
    'read stream allocated a fresh 1 MiB buffer per read and cost 1.4–2.0 s of CPU per GiB, now 0.37 s). In quiet same-minute A/B runs that path reached ' +
    '2.6–3.0 GB/s against nginx 3.1–3.7 GB/s (0.8–0.9×; 256 KiB buffers 0.5×, 2–4 MiB no better than 1 MiB). The daemon is CPU-bound during the transfer ' +
    '(one core: the user-space copy plus the loopback TCP send, which the kernel charges to the sender), so the ratio moves with the machine\'s load around 0.8.'],
  ['PUT over WebDAV, S3 ≥ 0.9', 'the relay through Node. The daemon sends a known-size body as one streaming PutObject (src/backends/s3-upload.ts, one metering ' +
    'Transform), the same call as the "SDK PutObject, one stream" peer, which reads a local file. A bare relay — a Node server piping the request body into the same ' +
    'SDK PutObject with no checks and no hashing — measured in the same minutes reached 230 MB/s against the daemon\'s 227 (both ~0.65× the direct PUT): the relay, ' +
    'not ReleaseDAV\'s code, is the bound. Daemon profile of a 256 MiB S3 PUT: main thread busy ~65 % of the transfer; of that, writes into the RGW socket 27 %, ' +
    'garbage collection 15 % (Node\'s per-read 64 KiB buffers of the client body), the hash hand-off 12 %. ' + SHARED_CORES +
    'RGW and its OSD alone use ~0.9 s of CPU per 256 MiB of a direct PUT, and a relay adds its own socket reads and writes on the same cores. ' +
    'Coalescing chunks to 1 MiB before the S3 socket was measured: more GC (18 vs 4 full collections per 256 MiB), no gain.'],
  ['GET over WebDAV, S3 ≥ 0.9', 'the Node read ceiling. S3 reads go through a presigned GET on a raw TCP socket that reads into one reused 512 KiB buffer ' +
    '(src/backends/s3-raw-get.ts; only the response head is parsed), and WebDAV GET writes that buffer straight into the client socket: daemon CPU per 256 MiB fell ' +
    'from 72–96 to 12–16 cs (rclone: 15–20 cs), and the main thread is idle ~75 % of the transfer. What remains is outside our code: a bare Node script fetching the ' +
    'same presigned URL to /dev/null reached 0.75–0.8× curl with node:http and ~0.9× with a raw socket, before relaying anything; the relay adds two kernel copies ' +
    '(socket → buffer → socket) on cores shared with the RGW, the OSD and curl. ' + SHARED_CORES + 'three 256 KiB buffers in turn (read while a write is pending) gave no gain. ' +
    'With the same GET code the full runs of this session measured 0.49× and 0.85× curl (and 0.64× and 1.14× rclone): the S3 relay is the measure most exposed to how the four busy processes share two cores.'],
  ['S3 ahead of rclone', 'parity within noise: rclone is a Go relay with the same two copies; in same-minute 256 MiB runs the daemon was 0.94–1.08× rclone on GET while using ' +
    'less CPU per byte (12–16 vs 15–20 cs per 256 MiB), so the difference is which relay gets the cores at that moment.'],
  ['chunked PUT to S3 ≤ 150 MiB', 'the body streams as one PutObject (nothing buffered per part); the peak is the idle daemon (~95–110 MiB: Node, the AWS SDK and every module) ' +
    'plus the young generation plus Node\'s 64 KiB read buffers of the client body waiting for a collection. During uploads the daemon asks V8 for a young-generation ' +
    'collection every 8 MiB (src/vfs/upload-gc.ts, ~50 µs each), which frees those buffers promptly: 1 GiB PUT to S3 peak 131 MiB vs 171 MiB without it in an A/B.'],
  ['Depth 0 req/s', 'Node\'s per-request cost on one core against a Go server on two. Daemon CPU per Depth 0 PROPFIND went from ~150 µs to 67–75 µs (the 207 leaves in one write ' +
    'with Content-Length; parsed bodies, verified Basic headers and resolved paths are remembered; no awaits on the common path). Profile of what remains: `writev` ' +
    '(the loopback send, already one per response) 36–37 % of busy time, garbage collection 15 % (mostly Node\'s own IncomingMessage/ServerResponse objects), Node\'s HTTP ' +
    'parsing and header code ~10 %, all of ReleaseDAV\'s code 10–12 % (no single item above 3.5 %). A bare Node server answering the same fixed 207 costs 22–25 µs ' +
    'per request here; with wrk on the other core, one Node thread at our 67–75 µs tops out near 13–15k req/s, while rclone (Go) serves on both cores, so "2×" would need ' +
    'the daemon\'s own work to shrink to about the bare server\'s. On S3 the rate also carries the metadata cache\'s 5 s expiry (a stat + sidecar refresh on RGW every 5 s: the p99).'],
  ['/dl redirect req/s', 'the response write: `writev` is 55 % of busy time (the bare server: similar), Node\'s header validation of the ~420-character presigned ' +
    'Location 15 %; our code ~12 % (presigning from the cache 3 %, the access check, one JSON log line per attempt through a child logger made once).'],
  ['/dl redirect p99', 'the tail follows machine load: spikes hit the bare server in the same runs.'],
  ['files ≤ 2× nginx', 'per-entry work in JavaScript (stat, escaping, rendering: ~3.5 µs per entry) against a C module that writes straight from readdir.'],
  ['objects, allprop, cold', 'the critical path before the first byte plus a single-threaded render. Before the 207 can start, the target\'s stat (HeadObject, then a ' +
    'one-key ListObjectsV2 that finds the folder) and its sidecar (GetObject, 404; a missing sidecar no longer costs a folder check: 16 S3 calls per listing, was 18) run ' +
    'while the folder\'s pages are read ahead (up to 4,096 entries; each next page is asked for before the current one is rendered, src/backends/s3.ts `list`). The ten pages ' +
    'are sequential by nature (continuation tokens), and their XML is parsed by the SDK on the same thread that renders the 207 (allprop: ~10 properties per entry, ' +
    '31–49 ms for 10,000 warm), while the walk only parses. The three cold listings spread widely (e.g. 490–713 ms in this run; a PROPFIND-only run of the same code ' +
    'measured 1.27× allprop and 1.07× named), so the ratio moves with the load the RGW and the OSD put on the same two cores.'],
  ['objects, named, cold', 'as allprop (see that note), with fewer properties to render; a PROPFIND-only run of the same code measured 1.07×.'],
  ['warm ≤ 60 ms', 'rendering 10,000 cached entries in JavaScript (no S3 calls).'],
];

/** The note for a target, or undefined. @throws never */
export function noteFor(target: string): string | undefined {
  return MISS_NOTES.find(([p]) => target.includes(p))?.[1];
}
