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

/** `/healthz`: 200 "ok" while the process serves; nothing else is told. @throws never */
export function healthz(ctx: Context): void {
  ctx.status = 200;
  ctx.type = 'text/plain; charset=utf-8';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = 'ok\n';
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
 * while Redis is away an instance still serves every read. @throws never
 */
export async function readyz(ctx: Context, state: RuntimeState, parts: ServerParts): Promise<void> {
  const slugs = [...state.mounts.keys()];
  const ok = await Promise.all(slugs.map((s) => reachable(state, s, parts.readyTimeoutMs)));
  const failing = slugs.filter((_, i) => !ok[i]);
  ctx.status = failing.length ? 503 : 200;
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'application/json; charset=utf-8';
  const lockStore = parts.lockStore?.();
  ctx.body = JSON.stringify({ ...(failing.length ? { ready: false, failing } : { ready: true }), ...(lockStore ? { lockStore } : {}) });
  if (failing.length) parts.log.warn({ failing }, 'readyz: storage not reachable');
}

/** `/metrics` in the Prometheus text format. @throws never */
export async function metrics(ctx: Context, parts: ServerParts): Promise<void> {
  ctx.status = 200;
  ctx.type = parts.metrics.registry.contentType;
  ctx.body = await parts.metrics.registry.metrics();
}
