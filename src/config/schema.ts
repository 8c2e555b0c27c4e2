/**
 * The configuration schema: one source of types, defaults and validation.
 * `config/example.yaml` documents every key; keep the two in step.
 */
import { DEFAULT_TRANSFER_BUFFER_MIB } from '../vfs/transfer-budget.ts';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { Secret } from './secret.ts';
import { LOOPBACK_CIDRS, isCidr } from '../security/addresses.ts';
import { categoryFeeds } from './feeds-schema.ts';

/** SigV4 presigned URLs cannot live longer than 7 days. */
export const SIGV4_MAX_SECONDS = 7 * 24 * 3600;
/** Our own signed links may live up to 31 days. */
export const SIGNED_LINK_MAX_SECONDS = 31 * 24 * 3600;

const secret = z.string().min(1).transform((s) => new Secret(s));
const port = z.number().int().min(0).max(65535);
/** Names the downloads listener uses for its own routes; a category cannot take them. */
export const RESERVED_SLUGS = ['dl', 'api', 'feeds', 'healthz', 'readyz', 'metrics', 'login', 'static', 'favicon.ico', 'robots.txt'] as const;
const slug = z.string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'a slug is 1-64 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit')
  .refine((s) => !(RESERVED_SLUGS as readonly string[]).includes(s), { message: `this slug is reserved for the downloads site (${RESERVED_SLUGS.join(', ')})` });

export const CANNED_ACLS = [
  'private', 'public-read', 'public-read-write', 'authenticated-read',
  'aws-exec-read', 'bucket-owner-read', 'bucket-owner-full-control',
] as const;

/** A list of IP addresses / CIDR ranges, loopback by default. */
const cidrList = () => z.array(z.string().refine(isCidr, 'not an IP address or CIDR range (e.g. 10.0.0.0/8, 192.0.2.7, ::1/128)'))
  .default([...LOOPBACK_CIDRS]);

const tls = z.strictObject({
  certPath: z.string().min(1),
  keyPath: z.string().min(1),
});

const listener = (defPort: number) => z.strictObject({
  host: z.string().default('127.0.0.1'),
  port: port.default(defPort),
  /** Public base URL when behind a reverse proxy, e.g. https://dav.example.com/ */
  publicUrl: z.url().optional(),
  /** Trust X-Forwarded-* headers from a reverse proxy (only from `trustedProxies`). */
  trustProxy: z.boolean().default(false),
  /** Peers whose X-Forwarded-* headers count when trustProxy is on. */
  trustedProxies: cidrList(),
  tls: tls.optional(),
});

const webdavListener = listener(8080).extend({
  /** Largest non-PUT request body (PROPFIND, PROPPATCH, LOCK XML), bytes. */
  maxXmlBodyBytes: z.number().int().min(1024).default(1024 * 1024),
  /** Seconds a connection may stay silent (also cuts stalled uploads); never a total-time cap. */
  idleTimeoutSeconds: z.number().int().min(1).default(120),
  /** Seconds to receive all request headers (slowloris guard). */
  headersTimeoutSeconds: z.number().int().min(1).default(30),
  /** Keep-alive time between requests. */
  keepAliveTimeoutSeconds: z.number().int().min(1).default(10),
});

const s3 = z.strictObject({
  bucket: z.string().min(1),
  region: z.string().default('us-east-1'),
  endpoint: z.url().optional(),
  forcePathStyle: z.boolean().default(false),
  accessKeyId: secret,
  secretAccessKey: secret,
  /** Canned ACL given to uploaded objects. */
  acl: z.enum(CANNED_ACLS).default('private'),
  /** What to do when the bucket refuses ACLs (Object Ownership "bucket owner enforced"): fail or skip the ACL. */
  onAclUnsupported: z.enum(['fail', 'skip']).default('fail'),
  /** Lifetime of presigned download URLs, seconds. */
  presignSeconds: z.number().int().min(1).default(60).refine((n) => n <= SIGV4_MAX_SECONDS, {
    message: `presigned S3 URLs (SigV4) cannot live longer than 7 days (${SIGV4_MAX_SECONDS} s); ` +
      'for long-lived links (download managers) use signed links (links.secret, `releasedav sign-link --ttl 30d`), which mint a fresh presigned URL on each use',
  }),
  upload: z.strictObject({
    /** Parallel part uploads per upload. */
    queueSize: z.number().int().min(1).max(32).default(4),
    /** Smallest part size in MiB (S3 minimum 5); grows with the declared size so 10,000 parts suffice. */
    minPartSizeMiB: z.number().int().min(5).max(5120).default(16),
    /** First part size for bodies of unknown length, MiB; doubles every 1,000 parts (8 MiB → 8 GiB in 8 MiB parts, ~8 TiB in all); memory ≈ (queueSize + 1) × the current part size. */
    unknownSizePartSizeMiB: z.number().int().min(5).max(5120).default(8),
  }).prefault({}),
  /** Seconds before one S3 call is given up. */
  requestTimeoutSeconds: z.number().int().min(1).default(30),
  /** Multipart uploads under our prefixes older than this are aborted at start-up (hours). */
  staleUploadHours: z.number().min(0).default(24),
});

const access = z.strictObject({
  /** Users or groups ("@group") who may read over WebDAV; "*" = any signed-in user; "anonymous" = everyone. */
  read: z.array(z.string()).default([]),
  /** Users or groups who may write over WebDAV. */
  write: z.array(z.string()).default([]),
  /** Who may download via /dl: "public", or a list of users/groups. */
  download: z.union([z.literal('public'), z.array(z.string())]).default('public'),
});

const bleedingEdge = z.strictObject({
  /** Keep the newest N releases (0 = no count limit). */
  keep: z.number().int().min(0).default(0),
  /** Remove releases older than D days (0 = no age limit). */
  maxAgeDays: z.number().min(0).default(0),
  /** A release whose files changed in the last N seconds is still uploading. */
  settleSeconds: z.number().int().min(0).default(60),
  /** Seconds between scans for changes made outside the daemon. */
  scanIntervalSeconds: z.number().int().min(1).default(60),
});

const category = z.strictObject({
  slug,
  title: z.string().optional(),
  description: z.string().default(''),
  type: z.enum(['normal', 'bleeding-edge']).default('normal'),
  /** `/abs/path`, `relative/path` (to storage.local.root), `s3://prefix` or `s3://` (bucket root). */
  directory: z.string().min(1),
  access: access.prefault({}),
  /** Visitors without access are redirected here instead of getting 401/403. */
  unauthorizedUrl: z.url().optional(),
  bleedingEdge: bleedingEdge.prefault({}),
  /** Update feeds (Joomla extension fields); see src/config/feeds-schema.ts. */
  feeds: categoryFeeds.prefault({}),
});

const user = z.strictObject({
  /** Password hash from `releasedav hash-password` (scrypt). Never plain text. */
  password: z.string().regex(/^scrypt\$/, 'must be a hash printed by `releasedav hash-password` (starts with "scrypt$")'),
  /** Optional HA1 = MD5(user:realm:password) for Digest auth (Windows over plain HTTP). */
  digestHa1: z.string().regex(/^[0-9a-f]{32}$/).optional(),
  groups: z.array(z.string()).default([]),
  /** Personal download key for /dl?dlid=, 32 hex characters. */
  downloadKey: secret.refine((s) => /^[0-9a-f]{32}$/.test(s.reveal()), 'a download key is 32 lowercase hex characters').optional(),
  admin: z.boolean().default(false),
});

export const configSchema = z.strictObject({
  webdav: webdavListener.prefault({}),
  downloads: listener(8081).extend({
    /** Host names (host[:port]) a trusted proxy may name in X-Forwarded-Host; publicUrl's host always counts. */
    publicHosts: z.array(z.string().min(1)).default([]),
    /** Who may read /metrics and /readyz: these addresses, or a bearer token (`tokenFile:` works). */
    ops: z.strictObject({
      allowFrom: cidrList(),
      token: secret.refine((s) => s.reveal().length >= 16, 'the ops token needs at least 16 characters').optional(),
    }).prefault({}),
  }).prefault({}),
  logging: z.strictObject({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    pretty: z.boolean().default(false),
  }).prefault({}),
  storage: z.strictObject({
    local: z.strictObject({ root: z.string().default('./data') }).prefault({}),
    s3: s3.optional(),
  }).prefault({}),
  cache: z.strictObject({
    ttlSeconds: z.number().min(0).default(5),
    maxEntries: z.number().int().min(1).default(10000),
  }).prefault({}),
  auth: z.strictObject({
    realm: z.string().default('ReleaseDAV'),
    users: z.record(z.string().regex(/^[^:\s]+$/, 'user names contain no ":" or spaces'), user).default({}),
    bruteForce: z.strictObject({
      maxFailures: z.number().int().min(1).default(10),
      windowSeconds: z.number().int().min(1).default(60),
      lockoutSeconds: z.number().int().min(1).default(300),
    }).prefault({}),
  }).prefault({}),
  links: z.strictObject({
    /** HMAC secret for signed links (at least 32 characters). */
    secret: secret.refine((s) => s.reveal().length >= 32, 'the link secret needs at least 32 characters').optional(),
    /** Secrets still accepted during rotation. */
    previousSecrets: z.array(secret).default([]),
    maxTtlDays: z.number().min(0).max(31).default(31),
  }).prefault({}),
  limits: z.strictObject({
    /**
     * Memory for transfer buffers, MiB, shared by every download and disk upload in flight: one
     * transfer alone reads 1 MiB chunks, many share this (down to 16 KiB chunks each).
     */
    transferBufferMiB: z.number().int().min(1).default(DEFAULT_TRANSFER_BUFFER_MIB),
  }).prefault({}),
  lifecycle: z.strictObject({
    /** Seconds SIGTERM waits for transfers in flight before aborting them. */
    drainSeconds: z.number().int().min(0).default(30),
  }).prefault({}),
  /**
   * Processes serving the two listeners (node:cluster): a number, or `auto` = one per core
   * (os.availableParallelism()). Anything but 1 needs coordination.redis; 1 = no cluster at all.
   */
  workers: z.union([z.number().int().min(1).max(256), z.literal('auto')]).default(1),
  /** Shared state for several instances/workers (locks, …) in Redis. Absent: one process, in memory. */
  coordination: z.strictObject({
    redis: z.strictObject({
      /** redis:// or rediss:// URL, password included: a secret (`${ENV}` or `urlFile:`). */
      url: secret.refine((s) => /^rediss?:\/\/[^\s]+$/i.test(s.reveal()), 'a Redis URL starts with redis:// or rediss://'),
      /** Prepended to every key, so several deployments can share one Redis. */
      keyPrefix: z.string().min(1).max(100).default('releasedav:'),
      /** Longest wait for one Redis command before the request answers 503, ms. */
      timeoutMs: z.number().int().min(50).max(60_000).default(2000),
    }),
  }).optional(),
  categories: z.array(category).min(1, 'at least one category is needed'),
}).superRefine((cfg, ctx) => {
  if (cfg.workers !== 1 && !cfg.coordination) {
    ctx.addIssue({ code: 'custom', path: ['workers'], message: `${cfg.workers} worker processes need shared locks and caches: set coordination.redis.url, or workers: 1` });
  }
  const seen = new Set<string>();
  cfg.categories.forEach((c, i) => {
    if (seen.has(c.slug)) ctx.addIssue({ code: 'custom', path: ['categories', i, 'slug'], message: `duplicate category slug "${c.slug}"` });
    seen.add(c.slug);
    if (/^s3:\/\//i.test(c.directory) && !cfg.storage.s3) {
      ctx.addIssue({ code: 'custom', path: ['categories', i, 'directory'], message: 'an s3:// directory needs storage.s3 to be configured' });
    }
  });
});

export type Config = z.output<typeof configSchema>;

/** How many worker processes `workers` asks for on this machine (`auto` = available cores). @throws never */
export function workerCount(cfg: Pick<Config, 'workers'>, cores: () => number = availableParallelism): number {
  return cfg.workers === 'auto' ? Math.max(1, cores()) : cfg.workers;
}
export type CategoryConfig = Config['categories'][number];
export type UserConfig = Config['auth']['users'][string];
export type S3Config = NonNullable<Config['storage']['s3']>;
