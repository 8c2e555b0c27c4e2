/**
 * What a SIGHUP reload can apply live and what needs a restart. Pure.
 */
import { createHash } from 'node:crypto';
import type { Config } from '../config/schema.ts';

/** Settings read only at start-up: changing them on reload is logged as "restart needed". */
export function restartOnlyChanges(prev: Config, next: Config): string[] {
  const out: string[] = [];
  const listenKey = (l: Config['webdav'] | Config['downloads']) => JSON.stringify({ host: l.host, port: l.port, tls: l.tls });
  if (listenKey(prev.webdav) !== listenKey(next.webdav)) out.push('webdav (host/port/tls)');
  if (listenKey(prev.downloads) !== listenKey(next.downloads)) out.push('downloads (host/port/tls)');
  if (prev.logging.pretty !== next.logging.pretty) out.push('logging.pretty');
  if (coordinationKey(prev) !== coordinationKey(next)) out.push('coordination');
  if (prev.workers !== next.workers) out.push('workers');
  return out;
}

/** Compares coordination settings; the URL (a secret) only enters a hash. */
function coordinationKey(c: Config): string {
  const r = c.coordination?.redis;
  return r ? createHash('sha256').update(JSON.stringify([r.url.reveal(), r.keyPrefix, r.timeoutMs])).digest('hex') : '';
}

/**
 * A fingerprint of the S3 connection settings (bucket, endpoint, credentials, timeouts) so a
 * reload can keep the S3 client when they did not change. Secrets only enter a hash, never output.
 * @throws never
 */
export function s3Fingerprint(cfg: Config): string | undefined {
  const s3 = cfg.storage.s3;
  if (!s3) return undefined;
  const material = JSON.stringify([
    s3.bucket, s3.region, s3.endpoint ?? '', s3.forcePathStyle, s3.accessKeyId.reveal(), s3.secretAccessKey.reveal(),
    s3.requestTimeoutSeconds,
  ]);
  return createHash('sha256').update(material).digest('hex');
}
