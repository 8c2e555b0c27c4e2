/**
 * Folder listings read and stat'ed on a worker thread, a page at a time. The worker does what
 * nginx does in its event loop — `readdir` then a synchronous `stat` per name, answered by the
 * kernel's dentry/inode cache in a microsecond or two — while the main thread only turns each
 * page into entries: one message per page instead of one thread-pool round trip per entry (each
 * ~15 µs of main-thread CPU), and a slow disk blocks the worker, never the event loop.
 *
 * A page travels as three flat values: the names joined by "/" (which no name contains), one
 * Float64Array of kind/size/mtime per entry and the ETags as one string of fixed-width hex.
 * One worker serves every listing of the process (pages of concurrent listings take turns). It is
 * started once — at start-up by the composition root when a category is on local disk
 * ({@link startListWorker}), else on first need — and kept for the life of the process (it does
 * not hold the process open): starting an isolate costs ~40 ms of CPU and more of wall time on
 * a busy machine, which every listing after a quiet spell paid when the worker stopped after 30 s
 * idle (the first PROPFIND Depth 1 of 10,000 files after a start: ~130 ms of it waiting for the
 * worker). Its cost when idle is one isolate (~6 MiB of RSS).
 */
import { Worker } from 'node:worker_threads';

/** Entries per page. */
export const LIST_PAGE = 512;
/** Folders with at most this many entries are listed sorted by name; larger ones in directory order. */
export const SORTED_MAX = 10_000;
/** The listing worker's young generation, MiB (V8's default lets it grow to ~48). */
const WORKER_YOUNG_MIB = 2;
/** Hex characters of a local ETag (see localEtag in local.ts, which must compute the same value). */
export const ETAG_HEX = 20;

/**
 * Worker source. Requests: {op:'open', id, dir, skip (regex source)}, {op:'page', id}, {op:'close', id}.
 * Answers: {id, names, nums, etags, done} or {id, error:{code, message}}.
 * nums per entry: kind (1 file, 2 folder), size, mtimeMs. Entries that vanish, dangle or are
 * neither file nor folder are left out.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const { hash } = require('node:crypto');
const PAGE = ${LIST_PAGE}, SORTED_MAX = ${SORTED_MAX}, ETAG_HEX = ${ETAG_HEX};
const open = new Map();
const other = (d) => d.isFIFO() || d.isSocket() || d.isBlockDevice() || d.isCharacterDevice();
function readNames(l, max) {
  const out = [];
  while (out.length < max) {
    const d = l.dir.readSync();
    if (d === null) { l.dir.closeSync(); l.dir = null; break; }
    if (!other(d) && !l.skip.test(d.name)) out.push(d.name);
  }
  return out;
}
function nextNames(l) {
  if (l.held === undefined) {
    const first = readNames(l, SORTED_MAX + 1);
    l.held = first;
    l.at = 0;
    if (l.dir === null) first.sort();
  }
  if (l.at < l.held.length) {
    const names = l.held.slice(l.at, l.at + PAGE);
    l.at += names.length;
    if (l.at >= l.held.length) l.held = [];
    return names;
  }
  return l.dir === null ? [] : readNames(l, PAGE);
}
function page(id) {
  const l = open.get(id);
  if (!l) return;
  const names = nextNames(l);
  const kept = [];
  const nums = new Float64Array(names.length * 3);
  let etags = '';
  let k = 0;
  for (const name of names) {
    let st;
    try { st = fs.statSync(l.path + '/' + name, { throwIfNoEntry: false }); } catch { st = undefined; }
    if (!st) continue;
    const file = st.isFile();
    if (!file && !st.isDirectory()) continue;
    kept.push(name);
    nums[k++] = file ? 1 : 2;
    nums[k++] = st.size;
    nums[k++] = st.mtimeMs;
    etags += hash('sha256', st.size + ':' + st.mtimeMs + ':' + st.ino, 'hex').slice(0, ETAG_HEX);
  }
  const done = l.dir === null && l.at >= l.held.length;
  if (done) open.delete(id);
  const buf = nums.buffer.slice(0, k * 8);
  parentPort.postMessage({ id, names: kept.join('/'), nums: buf, etags, done }, [buf]);
}
parentPort.on('message', (m) => {
  try {
    if (m.op === 'open') {
      open.set(m.id, { dir: fs.opendirSync(m.dir, { bufferSize: 256 }), path: m.dir, skip: new RegExp(m.skip), held: undefined, at: 0 });
      parentPort.postMessage({ id: m.id, opened: true });
    } else if (m.op === 'page') page(m.id);
    else if (m.op === 'close') {
      const l = open.get(m.id);
      open.delete(m.id);
      if (l && l.dir) l.dir.closeSync();
    }
  } catch (e) {
    const l = open.get(m.id);
    open.delete(m.id);
    try { if (l && l.dir) l.dir.closeSync(); } catch {}
    parentPort.postMessage({ id: m.id, error: { code: e && e.code, message: String(e && e.message) } });
  }
});
`;

/** One page as the worker sends it. */
export interface RawPage { names: string; nums: ArrayBuffer; etags: string; done: boolean }

type Reply = Partial<RawPage> & { id: number; opened?: boolean; error?: { code?: string; message: string } };

interface Handle {
  worker: Worker;
  waiting: Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }[]>;
}

let shared: Handle | undefined;
let nextId = 1;

function failAll(h: Handle, err: Error): void {
  if (shared === h) shared = undefined;
  for (const q of h.waiting.values()) for (const w of q) w.reject(err);
  h.waiting.clear();
}

function acquire(): Handle {
  if (shared) return shared;
  // A small young generation: everything the worker allocates for a page dies with the page, and
  // with V8's default (semi-spaces growing to 16 MiB) a 100,000-file listing grew the worker's
  // heap by ~8 MiB of RSS; capped, the daemon's RSS growth in that listing fell from ~+50 to
  // +18–38 MiB with no measurable CPU cost (by hand, 2026-12-07).
  const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], env: {}, stdout: false, stderr: false, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MIB } });
  const h: Handle = { worker, waiting: new Map() };
  worker.on('message', (m: Reply) => {
    const q = h.waiting.get(m.id);
    const w = q?.shift();
    if (q && q.length === 0) h.waiting.delete(m.id);
    if (!w) return;
    if (m.error) w.reject(Object.assign(new Error(m.error.message), { code: m.error.code }));
    else w.resolve(m);
  });
  worker.on('error', (err) => failAll(h, err));
  worker.on('exit', (code) => failAll(h, new Error(`the listing worker exited (code ${code})`)));
  worker.unref();
  shared = h;
  return h;
}

/**
 * Starts the listing worker now, if it is not running, so the first listing does not wait for an
 * isolate to boot. Idempotent.
 * @throws never (a worker that fails to start fails the listings that need it)
 */
export function startListWorker(): void {
  acquire();
}

/** A folder being listed by the worker. */
export interface WorkerListing {
  /** The next page (`done` on the last one). @throws Error (with the fs `code`) when the folder cannot be read */
  next(): Promise<RawPage>;
  /** Stops the listing early (idempotent). @throws never */
  close(): void;
}

/**
 * Opens folder `abs` on the worker; names matching `skip` are never listed. Up to two pages are
 * requested ahead, so the worker stats the next page while the caller handles the current one.
 * @throws Error (with the fs `code`: ENOENT, ENOTDIR, EACCES…) when the folder cannot be opened,
 *   or when the worker thread failed
 */
export async function openWorkerListing(abs: string, skip: RegExp): Promise<WorkerListing> {
  const h = acquire();
  const id = nextId++;
  let closed = false;
  let finished = false;
  const ask = (m: object) => new Promise<Reply>((resolve, reject) => {
    const q = h.waiting.get(id);
    if (q) q.push({ resolve, reject });
    else h.waiting.set(id, [{ resolve, reject }]);
    h.worker.postMessage({ ...m, id });
  });
  const ahead: Promise<Reply>[] = [];
  const close = () => {
    if (closed) return;
    closed = true;
    if (!finished) h.worker.postMessage({ op: 'close', id });
    for (const p of ahead) p.catch(() => undefined);
    h.waiting.delete(id);
    if (h.waiting.size === 0) h.worker.unref();
  };
  h.worker.ref(); // a listing in progress keeps the process alive; an idle worker does not
  try {
    await ask({ op: 'open', dir: abs, skip: skip.source });
  } catch (e) {
    finished = true;
    close();
    throw e;
  }
  const more = () => { if (!finished && ahead.length < 2) ahead.push(ask({ op: 'page' })); };
  more();
  return {
    async next() {
      if (closed) throw Object.assign(new Error('the listing was closed'), { code: 'ECANCELED' });
      more();
      const r = await ahead.shift()!;
      if (r.done) {
        finished = true;
        close();
      } else {
        more();
      }
      return { names: r.names ?? '', nums: r.nums ?? new ArrayBuffer(0), etags: r.etags ?? '', done: r.done ?? false };
    },
    close,
  };
}
