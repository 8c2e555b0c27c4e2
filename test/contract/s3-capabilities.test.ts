/**
 * Keeps test/helpers/s3-capabilities.ts honest: probes the running test S3 for each declared
 * capability and fails when the declaration for its kind is wrong (a gap that is not there hides
 * tests for nothing; a missing gap makes tests fail for the server's sake, not ours).
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import {
  AbortMultipartUploadCommand, CopyObjectCommand, CreateMultipartUploadCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand,
  ListMultipartUploadsCommand, ListObjectsV2Command, PutObjectCommand, UploadPartCopyCommand, type S3Client,
} from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/backends/s3-client.ts';
import { copySource } from '../../src/backends/s3-upload.ts';
import { S3_CAPABILITIES, s3Gap, type S3Capability } from '../helpers/s3-capabilities.ts';
import { s3TestConfig, s3TestEnv, skipUnlessS3, uniquePrefix } from '../helpers/s3env.ts';

const env = s3TestEnv();

/** Capabilities taken from the server's documentation or source instead of a probe, and why. */
const NOT_PROBED: Partial<Record<S3Capability, string>> = {
  atomicOverwrite: 'a race, not a cheap probe (s3rver 3.7 lib/stores/filesystem.js putObject: fs.createWriteStream on the object file itself)',
  longKeySegments: 'probing it would crash s3rver (s3rver 3.7 lib/stores/filesystem.js: one file per key segment, its WriteStream error unhandled)',
  longListings: 'probing it would cost the stall it avoids (s3rver 3.7 lib/stores/filesystem.js: readdirSync + statSync of the folder per ListObjects)',
};

describe('the test S3 offers what s3-capabilities.ts declares', { skip: skipUnlessS3() }, () => {
  const prefix = uniquePrefix('caps');
  const s3 = env ? s3TestConfig(prefix) : undefined;
  const client = s3 ? createS3Client(s3) : undefined;
  const Bucket = env?.bucket ?? '';
  const uploads: { Key: string; UploadId: string }[] = [];
  const keys: string[] = [];

  const put = async (Key: string, Body = 'x') => { keys.push(Key); await client!.send(new PutObjectCommand({ Bucket, Key, Body })); };
  const created = async (Key: string) => {
    const res = await client!.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    uploads.push({ Key, UploadId: res.UploadId! });
    return res.UploadId!;
  };
  const refused = async (p: Promise<unknown>) => { try { await p; return false; } catch { return true; } };
  const withClient = async <T>(over: Record<string, unknown>, fn: (c: S3Client) => Promise<T>) => {
    const c = createS3Client(s3TestConfig(prefix, { requestTimeoutSeconds: 10, ...over }));
    try { return await fn(c); } finally { c.destroy(); }
  };

  /** true when the server offers the capability. */
  const probes: Record<S3Capability, () => Promise<boolean>> = {
    abortMultipart: async () => {
      const Key = `${prefix}abort`;
      return !(await refused(client!.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId: await created(Key) }))));
    },
    listMultipartUploads: async () => {
      const Key = `${prefix}list`;
      const UploadId = await created(Key);
      try {
        const res = await client!.send(new ListMultipartUploadsCommand({ Bucket, Prefix: Key }));
        return (res.Uploads ?? []).some((u) => u.UploadId === UploadId);
      } catch { return false; }
    },
    uploadPartCopy: async () => {
      await put(`${prefix}copy-src`, 'y'.repeat(1024));
      const Key = `${prefix}copy-dst`;
      const UploadId = await created(Key);
      return !(await refused(client!.send(new UploadPartCopyCommand({ Bucket, Key, UploadId, PartNumber: 1, CopySource: `${Bucket}/${prefix}copy-src` }))));
    },
    signatureChecks: () => withClient({ secretAccessKey: 'not-the-secret-0000000000000000000000000' }, (c) =>
      refused(c.send(new ListObjectsV2Command({ Bucket, Prefix: prefix, MaxKeys: 1 })))),
    acls: async () => {
      const Key = `${prefix}private`;
      keys.push(Key);
      await client!.send(new PutObjectCommand({ Bucket, Key, Body: 'private', ACL: 'private' }));
      const res = await fetch(`${env!.endpoint}/${Bucket}/${Key}`);
      await res.arrayBuffer();
      return res.status === 403;
    },
    conditionalWrites: async () => {
      const Key = `${prefix}cond`;
      await put(Key);
      return refused(client!.send(new PutObjectCommand({ Bucket, Key, Body: 'again', IfNoneMatch: '*' })));
    },
    conditionalReads: async () => {
      const Key = `${prefix}cond-read`;
      await put(Key);
      return refused(client!.send(new GetObjectCommand({ Bucket, Key, IfMatch: '"0123456789abcdef0123456789abcdef"' })));
    },
    atomicPut: async () => {
      const Key = `${prefix}cut`;
      keys.push(Key);
      // 256 KiB of a declared 1 MiB, then the connection is cut.
      let sent = 0;
      const body = new Readable({
        read() {
          if (sent >= 256 * 1024) return;
          sent += 64 * 1024;
          this.push(Buffer.alloc(64 * 1024, 1));
        },
      });
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 1000);
      await refused(withClient({}, (c) => c.send(new PutObjectCommand({ Bucket, Key, Body: body, ContentLength: 1024 * 1024 }), { abortSignal: ac.signal })));
      await new Promise((r) => setTimeout(r, 500)); // the server notices the cut connection
      return refused(client!.send(new HeadObjectCommand({ Bucket, Key })));
    },
    longListings: async () => s3Gap('longListings') === undefined,
    atomicOverwrite: async () => s3Gap('atomicOverwrite') === undefined,
    longKeySegments: async () => s3Gap('longKeySegments') === undefined,
    copySourceDecoding: async () => {
      const name = `${prefix}a#b+c&d=e`;
      await put(name, 'copied');
      keys.push(`${prefix}copied`);
      const ok = !(await refused(client!.send(new CopyObjectCommand({ Bucket, Key: `${prefix}copied`, CopySource: copySource(Bucket, name) }))));
      return ok && !(await refused(client!.send(new HeadObjectCommand({ Bucket, Key: `${prefix}copied` }))));
    },
  };

  for (const cap of S3_CAPABILITIES) {
    const gap = env ? s3Gap(cap) : undefined;
    const claim = gap ? `lacks ${cap} ("${gap}")` : `offers ${cap}`;
    it(`${env?.kind ?? 'S3'} ${claim}`, { skip: NOT_PROBED[cap] ? `declared, not probed: ${NOT_PROBED[cap]}` : false }, async () => {
      assert.equal(await probes[cap](), gap === undefined, `the declaration for ${env!.kind} is wrong: update test/helpers/s3-capabilities.ts`);
    });
  }

  after(async () => {
    if (!client) return;
    for (const u of uploads) await client.send(new AbortMultipartUploadCommand({ Bucket, ...u })).catch(() => undefined);
    for (const Key of keys) await client.send(new DeleteObjectCommand({ Bucket, Key })).catch(() => undefined);
    client.destroy();
  });
});
