/** Operations endpoints: /healthz (process up, open to all), /readyz (every mount's storage answers), /metrics; the last two only after ops-access.ts allowed the client. */
import type { Context } from 'koa';
import { isVfsError } from '../vfs/errors.ts';
import type { RuntimeState } from '../vfs/mount.ts';
import type { ServerParts } from './request-context.ts';

/** The answer to a client that may not read /metrics or /readyz (downloads.ops). @throws never */
export function opsForbidden(ctx: Context): void {
  ctx.status = 403;
  ctx.type = 'text/plain; charset=utf-8';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = 'Forbidden: this endpoint answers only to downloads.ops.allowFrom or with the ops bearer token.\n';
}

/**
 * `/healthz`: 200 "ok" while the process serves; with `workers` > 1 also how many workers serve
 * ("ok\nworkers 2/2 up\n"): the one answering is up, so the status stays 200. Nothing else is told.
 * @throws never
 */
export function healthz(ctx: Context, parts: Pick<ServerParts, 'cluster'>): void {
  ctx.status = 200;
  ctx.type = 'text/plain; charset=utf-8';
  ctx.set('Cache-Control', 'no-store');
  const w = parts.cluster?.workers();
  ctx.body = w ? `ok\nworkers ${w.up}/${w.configured} up\n` : 'ok\n';
}

async function reachable(state: RuntimeState, slug: string, timeoutMs: number): Promise<boolean> {
  const m = state.mounts.get(slug)!;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((res) => { timer = setTimeout(() => res(false), timeoutMs); });
  // A listing, not a stat: an S3 root "exists" without asking S3. One page, first entry only.
  const ctl = new AbortController();
  const probe = (async () => {
    for await (const _ of m.backend.list('', { signal: ctl.signal })) break;
    return true;
  })().catch((err) => isVfsError(err, 'ENOENT'));
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
    ctl.abort();
  }
}

/**
 * `/readyz`: 200 when every category's storage answers a listing of its root in time, else 503 naming
 * the failing ones. It also reports the lock store (`lockStore: {kind, up}`) without failing on it:
 * while Redis is away an instance still serves every read. In a cluster it reports the workers
 * (`workers: {up, configured}`), again without failing on them: fewer workers serve less, not wrong,
 * and the primary is already replacing the missing one. @throws never
 */
export async function readyz(ctx: Context, state: RuntimeState, parts: ServerParts): Promise<void> {
  const slugs = [...state.mounts.keys()];
  const ok = await Promise.all(slugs.map((s) => reachable(state, s, parts.readyTimeoutMs)));
  const failing = slugs.filter((_, i) => !ok[i]);
  ctx.status = failing.length ? 503 : 200;
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'application/json; charset=utf-8';
  const lockStore = parts.lockStore?.();
  const workers = parts.cluster?.workers();
  ctx.body = JSON.stringify({ ...(failing.length ? { ready: false, failing } : { ready: true }), ...(lockStore ? { lockStore } : {}), ...(workers ? { workers } : {}) });
  if (failing.length) parts.log.warn({ failing }, 'readyz: storage not reachable');
}

/**
 * `/metrics` in the Prometheus text format. In a cluster worker: the whole daemon's, summed across
 * workers by the primary (plus `releasedav_workers{state}`); 503 when the primary does not answer
 * in time (this worker's own numbers alone would make counters jump back). @throws never
 */
export async function metrics(ctx: Context, parts: ServerParts): Promise<void> {
  if (parts.cluster) {
    ctx.set('Cache-Control', 'no-store');
    try {
      const text = await parts.cluster.metrics();
      ctx.status = 200;
      ctx.type = parts.metrics.registry.contentType;
      ctx.body = text;
    } catch (e) {
      parts.log.warn({ err: (e as Error).message }, 'metrics: no aggregate from the cluster primary');
      ctx.status = 503;
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = 'The metrics of the other workers are not available right now.\n';
    }
    return;
  }
  ctx.status = 200;
  ctx.type = parts.metrics.registry.contentType;
  ctx.body = await parts.metrics.registry.metrics();
}
