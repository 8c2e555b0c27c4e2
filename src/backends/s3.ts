/**
 * The S3 backend: one key prefix of one bucket as a VFS root. Folders are common prefixes
 * (plus zero-byte `dir/` markers for empty ones, hidden from listings); listings take size and
 * mtime from ListObjectsV2, never from a HEAD per object. All AWS errors go through s3-errors.ts.
 */
import { Readable } from 'node:stream';
import {
  CopyObjectCommand, CreateMultipartUploadCommand, AbortMultipartUploadCommand, DeleteObjectCommand, DeleteObjectsCommand,
  HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type ObjectCannedACL, type S3Client,
} from '@aws-sdk/client-s3';
import type { S3Config } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { VfsError, isVfsError } from '../vfs/errors.ts';
import type { Backend, Entry, ListOptions, PresignOptions, ReadOptions, WriteOptions } from '../vfs/types.ts';
import { flattenPages } from '../vfs/list-pages.ts';
import { s3Call, s3CallCounter, s3ErrorName } from './s3-errors.ts';
import { createObjectGetter } from './s3-get.ts';
import { RawObjectBody } from './s3-raw-get.ts';
import { createPresigner, type Presigner } from './s3-presign.ts';
import { createTransferBudget, DEFAULT_TRANSFER_BUFFER_MIB, type TransferBudget } from '../vfs/transfer-budget.ts';
import { DEFAULT_LIMITS, copySource, forEachLimited, multipartCopy, uploadObject, type S3Limits, type UploadTarget } from './s3-upload.ts';

export interface S3BackendOptions {
  client: S3Client;
  bucket: string;
  /** Key prefix of this root: "" (bucket root) or "some/prefix/". */
  prefix: string;
  s3: S3Config;
  log: Logger;
  metrics?: Metrics;
  /** Shared presigner (built once at start-up); one is made from `s3` when omitted. */
  presigner?: Presigner;
  /** Size thresholds (tests lower them). */
  limits?: Partial<S3Limits>;
  /** The process's transfer memory budget (default: a private one of the default size). */
  budget?: TransferBudget;
}

const EPOCH = new Date(0);

/** Passes the first `n` bytes of a stream, then ends it. */
function limitBytes(n: number) {
  return async function* (source: AsyncIterable<Buffer>) {
    let left = n;
    for await (const chunk of source) {
      if (left <= 0) break;
      yield chunk.length <= left ? chunk : chunk.subarray(0, left);
      left -= chunk.length;
    }
  };
}
const unquote = (etag: string | undefined) => etag?.replace(/^"|"$/g, '');
const parentOf = (path: string) => path.slice(0, Math.max(0, path.lastIndexOf('/')));
const validName = (name: string) => name !== '' && name !== '.' && name !== '..' && !name.includes('/');

/**
 * Creates the backend for `prefix` in `bucket`. Makes no S3 call until used.
 * @throws VfsError EINVAL when `prefix` is neither "" nor ends in "/"
 */
export function createS3Backend(o: S3BackendOptions): Backend {
  if (o.prefix !== '' && !o.prefix.endsWith('/')) throw new VfsError('EINVAL', 'an S3 prefix is "" or ends with "/"');
  const { client, bucket, prefix } = o;
  const count = s3CallCounter(o.metrics);
  const limits: S3Limits = { ...DEFAULT_LIMITS, ...o.limits };
  const presigner = o.presigner ?? createPresigner({ bucket, s3: o.s3 });
  const budget = o.budget ?? createTransferBudget(DEFAULT_TRANSFER_BUFFER_MIB * 1024 * 1024);
  const getter = createObjectGetter({ presigner, count, idleTimeoutMs: o.s3.requestTimeoutSeconds * 1000, budget });
  const keyOf = (path: string) => prefix + path;
  const q = (path: string) => JSON.stringify('/' + path);
  let aclDecision: Promise<ObjectCannedACL | undefined> | undefined;

  const target: UploadTarget = {
    client, bucket, s3: o.s3, log: o.log, count, limits,
    acl: () => (aclDecision ??= decideAcl()),
  };

  /** With onAclUnsupported: skip, ask the bucket once (an aborted multipart upload writes nothing). */
  async function decideAcl(): Promise<ObjectCannedACL | undefined> {
    const acl = o.s3.acl as ObjectCannedACL;
    if (o.s3.onAclUnsupported !== 'skip') return acl;
    const Key = `${prefix}.releasedav/acl-probe`;
    try {
      const res = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key, ACL: acl }));
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key, UploadId: res.UploadId })).catch(() => {});
      return acl;
    } catch (err) {
      if (s3ErrorName(err) !== 'AccessControlListNotSupported') { aclDecision = undefined; return acl; }
      o.log.warn({ bucket }, 'the bucket refuses ACLs; uploading without one (storage.s3.onAclUnsupported: skip)');
      return undefined;
    }
  }

  /** True when anything (marker or child) exists under `path/`. */
  async function isDir(path: string): Promise<{ mtime: Date } | undefined> {
    if (path === '') return { mtime: EPOCH };
    const res = await s3Call(count, 'ListObjectsV2', q(path), () =>
      client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: keyOf(path) + '/', MaxKeys: 1 })));
    const first = res.Contents?.[0];
    return first ? { mtime: first.LastModified ?? EPOCH } : undefined;
  }

  async function statOrUndefined(path: string): Promise<Entry | undefined> {
    try { return await backend.stat(path); } catch (err) { if (isVfsError(err, 'ENOENT')) return undefined; throw err; }
  }

  async function requireParent(path: string): Promise<void> {
    const parent = parentOf(path);
    if (parent === '') return;
    if (!(await isDir(parent))) {
      const file = await statOrUndefined(parent);
      throw file ? new VfsError('ENOTDIR', `${q(parent)} is not a folder`) : new VfsError('ENOENT', `the folder ${q(parent)} does not exist`);
    }
  }

  /** Every key under a folder (markers included), recursively. */
  async function* keysUnder(path: string): AsyncGenerator<{ key: string; size: number }> {
    const Prefix = path === '' ? prefix : keyOf(path) + '/';
    let ContinuationToken: string | undefined;
    do {
      const res = await s3Call(count, 'ListObjectsV2', q(path), () =>
        client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix, ContinuationToken })));
      for (const c of res.Contents ?? []) yield { key: c.Key!, size: c.Size ?? 0 };
      ContinuationToken = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  async function deleteKeys(keys: AsyncIterable<{ key: string }> | Iterable<{ key: string }>, what: string): Promise<void> {
    let batch: { Key: string }[] = [];
    const flush = async () => {
      const Objects = batch;
      batch = [];
      if (Objects.length === 0) return;
      const res = await s3Call(count, 'DeleteObjects', what, () =>
        client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects, Quiet: true } })));
      const e = res.Errors?.[0];
      if (e) throw new VfsError(e.Code === 'AccessDenied' ? 'EACCES' : 'EIO', `S3 DeleteObjects ${what} failed: ${e.Code ?? 'error'} (${res.Errors!.length} keys)`);
    };
    for await (const k of keys) {
      batch.push({ Key: k.key });
      if (batch.length === 1000) await flush();
    }
    await flush();
  }

  async function copyOne(fromKey: string, toKey: string, size: number, what: string): Promise<void> {
    if (size > limits.copySingleMaxBytes) {
      const head = await s3Call(count, 'HeadObject', what, () => client.send(new HeadObjectCommand({ Bucket: bucket, Key: fromKey })));
      return multipartCopy(target, fromKey, toKey, size, head.ContentType, what);
    }
    const acl = await target.acl();
    await s3Call(count, 'CopyObject', what, () => client.send(new CopyObjectCommand({
      Bucket: bucket, Key: toKey, CopySource: copySource(bucket, fromKey), ...(acl ? { ACL: acl } : {}),
    })));
  }

  async function prepareTarget(from: string, to: string, overwrite: boolean): Promise<Entry> {
    if (from === to || to.startsWith(from === '' ? '' : from + '/')) throw new VfsError('EINVAL', 'cannot copy or move a folder into itself');
    const src = await backend.stat(from);
    const dst = await statOrUndefined(to);
    if (dst && !overwrite) throw new VfsError('EEXIST', `${q(to)} already exists`);
    if (dst && to === '') throw new VfsError('EACCES', 'the root cannot be replaced');
    await requireParent(to);
    if (dst && (dst.kind === 'dir' || src.kind === 'dir')) await backend.remove(to, { recursive: true });
    return src;
  }

  async function copyTree(from: string, to: string, src: Entry): Promise<void> {
    const what = `${q(from)} -> ${q(to)}`;
    if (src.kind === 'file') return copyOne(keyOf(from), keyOf(to), src.size, what);
    const fromPrefix = from === '' ? prefix : keyOf(from) + '/';
    const toPrefix = keyOf(to) + '/';
    let copied = 0;
    const jobs: { key: string; size: number }[] = [];
    for await (const k of keysUnder(from)) jobs.push(k);
    await forEachLimited(jobs, 8, async (k) => { await copyOne(k.key, toPrefix + k.key.slice(fromPrefix.length), k.size, what); copied++; });
    if (copied === 0 || !jobs.some((k) => k.key === fromPrefix)) await putMarker(to);
  }

  async function putMarker(path: string): Promise<void> {
    const acl = await target.acl();
    await s3Call(count, 'PutObject', q(path), () => client.send(new PutObjectCommand({
      Bucket: bucket, Key: keyOf(path) + '/', Body: '', ContentLength: 0, ...(acl ? { ACL: acl } : {}),
    })));
  }

  const backend: Backend = {
    caps: Object.freeze({ emptyDirs: true, atomicRename: false, serverSideCopy: true, presign: true }),
    description: `s3://${bucket}/${prefix}`,

    async stat(path) {
      if (path === '') return { path, kind: 'dir', size: 0, mtime: EPOCH };
      try {
        const h = await s3Call(count, 'HeadObject', q(path), () => client.send(new HeadObjectCommand({ Bucket: bucket, Key: keyOf(path) })));
        return { path, kind: 'file', size: h.ContentLength ?? 0, mtime: h.LastModified ?? EPOCH, etag: unquote(h.ETag), contentType: h.ContentType };
      } catch (err) {
        if (!isVfsError(err, 'ENOENT')) throw err;
      }
      const dir = await isDir(path);
      if (!dir) throw new VfsError('ENOENT', `${q(path)} does not exist`);
      return { path, kind: 'dir', size: 0, mtime: dir.mtime };
    },

    list: (path, lo) => flattenPages(backend.listPages!(path, lo)),

    async *listPages(path: string, lo?: ListOptions) {
      const Prefix = path === '' ? prefix : keyOf(path) + '/';
      const page = (ContinuationToken: string | undefined) => s3Call(count, 'ListObjectsV2', q(path), () => client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix, Delimiter: '/', ContinuationToken }), { abortSignal: lo?.signal }));
      let any = false;
      let next: ReturnType<typeof page> | undefined = page(undefined);
      while (next) {
        const res: Awaited<ReturnType<typeof page>> = await next;
        // Ask for the next page before handing out this one: S3's latency overlaps our rendering.
        const token = res.IsTruncated ? res.NextContinuationToken : undefined;
        next = token ? page(token) : undefined;
        next?.catch(() => undefined); // a consumer that stops early leaves it unawaited
        const out: Entry[] = [];
        for (const cp of res.CommonPrefixes ?? []) {
          any = true;
          const name = cp.Prefix!.slice(Prefix.length, -1);
          if (validName(name)) out.push({ path: path ? `${path}/${name}` : name, kind: 'dir', size: 0, mtime: EPOCH });
        }
        for (const c of res.Contents ?? []) {
          any = true;
          const name = c.Key!.slice(Prefix.length);
          if (!validName(name)) continue; // the folder's own marker, or a key we cannot address
          out.push({ path: path ? `${path}/${name}` : name, kind: 'file', size: c.Size ?? 0, mtime: c.LastModified ?? EPOCH, etag: unquote(c.ETag) });
        }
        if (out.length) yield out;
      }
      if (!any && path !== '') {
        const e = await backend.stat(path);
        if (e.kind === 'file') throw new VfsError('ENOTDIR', `${q(path)} is a file`);
      }
    },

    async read(path: string, ro?: ReadOptions): Promise<Readable> {
      if (path === '') throw new VfsError('EISDIR', 'the root is a folder');
      const r = ro?.range;
      try {
        const { body, contentLength } = await getter.get(keyOf(path), r, ro?.signal, q(path), ro?.sizeHint);
        // Some S3 look-alikes (s3rver) answer `bytes=0-0` with the whole object: never pass on more than asked.
        const wanted = r?.end !== undefined ? r.end - r.start + 1 : undefined;
        if (wanted !== undefined && (contentLength ?? 0) > wanted) {
          if (body instanceof RawObjectBody) { body.limit(wanted); return body; }
          return Readable.from(limitBytes(wanted)(body));
        }
        return body;
      } catch (err) {
        if (isVfsError(err, 'ENOENT') && !ro?.folderAsMissing && (await isDir(path))) throw new VfsError('EISDIR', `${q(path)} is a folder`);
        throw err;
      }
    },

    async write(path: string, body: Readable, wo: WriteOptions = {}): Promise<Entry> {
      if (path === '') throw new VfsError('EISDIR', 'the root is a folder');
      const [, dir] = await Promise.all([requireParent(path), isDir(path)]);
      if (dir) throw new VfsError('EISDIR', `${q(path)} is a folder`);
      const put = await uploadObject(target, keyOf(path), body, wo, q(path));
      if (put?.etag) return { path, kind: 'file', size: wo.size!, mtime: new Date(), etag: put.etag, contentType: wo.contentType };
      // CompleteMultipartUpload on RGW returns an empty ETag: HEAD gives the real one (and the mtime).
      return backend.stat(path);
    },

    async mkdir(path) {
      if (path === '' || (await statOrUndefined(path))) throw new VfsError('EEXIST', `${q(path)} already exists`);
      await requireParent(path);
      await putMarker(path);
    },

    async remove(path, ro) {
      if (path === '') throw new VfsError('EACCES', 'the root cannot be removed');
      const e = await backend.stat(path);
      if (e.kind === 'file') {
        await s3Call(count, 'DeleteObject', q(path), () => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: keyOf(path) })));
        return;
      }
      if (!ro?.recursive) {
        const marker = keyOf(path) + '/';
        for await (const k of keysUnder(path)) if (k.key !== marker) throw new VfsError('ENOTEMPTY', `${q(path)} is not empty`);
      }
      await deleteKeys(keysUnder(path), q(path));
    },

    async copy(from, to, co) {
      const src = await prepareTarget(from, to, co?.overwrite ?? false);
      await copyTree(from, to, src);
    },

    async move(from, to, mo) {
      if (from === '') throw new VfsError('EACCES', 'the root cannot be moved');
      const src = await prepareTarget(from, to, mo?.overwrite ?? false);
      await copyTree(from, to, src);
      await backend.remove(from, { recursive: true });
    },

    async presignGet(path: string, po: PresignOptions): Promise<URL> {
      return presigner.presign(keyOf(path), { expiresIn: po.expiresIn, filename: po.filename, method: po.method });
    },
  };
  return backend;
}
