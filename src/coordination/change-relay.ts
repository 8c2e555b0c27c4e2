/**
 * Caches that agree: every change this instance makes (the local change bus) is published on a
 * Redis channel; changes published by other instances are applied here — the mount's stat/listing
 * cache forgets the paths, then the event is re-emitted on the local bus (marked `remote`) so the
 * sidecar cache, the lookup cache and the catalog drop theirs too. After a gap in the
 * subscription (Redis was away) every cache is dropped, since messages may have been missed.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ChangeBus, ChangeEvent, StateProvider } from '../vfs/mount.ts';
import type { RedisConnection } from './redis-connection.ts';

/** A running relay. */
export interface ChangeRelay {
  /** Unsubscribes and stops publishing. @throws never */
  close(): Promise<void>;
}

interface Message { from: string; ev: ChangeEvent }

/** Operations that may change a whole tree (forget everything beneath the path). */
const TREE_OPS = new Set<ChangeEvent['op']>(['remove', 'move', 'copy']);

/**
 * Applies a change made elsewhere to this process's caches (and tells local listeners).
 * @throws never
 */
export function applyRemoteChange(bus: ChangeBus, getState: StateProvider, ev: ChangeEvent): void {
  const mounts = getState().mounts;
  const tree = TREE_OPS.has(ev.op);
  mounts.get(ev.category)?.backend.forget?.(ev.path, tree);
  if (ev.from !== undefined) mounts.get(ev.fromCategory ?? ev.category)?.backend.forget?.(ev.from, true);
  bus.emit('change', { ...ev, remote: true });
}

/**
 * Starts relaying changes through `redis` (channel `<keyPrefix>changes`).
 * @throws never (publishing failures are logged at debug: writes are refused during an outage anyway)
 */
export function startChangeRelay(o: { bus: ChangeBus; getState: StateProvider; redis: RedisConnection; log: Logger }): ChangeRelay {
  const id = randomUUID();
  const channel = `${o.redis.keyPrefix}changes`;
  const sub = o.redis.duplicate();
  let subscribedOnce = false;

  const onLocal = (ev: ChangeEvent, waits?: Promise<unknown>[]) => {
    if (ev.remote) return;
    const msg: Message = { from: id, ev: { category: ev.category, path: ev.path, op: ev.op, from: ev.from, fromCategory: ev.fromCategory } };
    const p = o.redis.call((c) => c.publish(channel, JSON.stringify(msg))).catch((err) => {
      o.log.debug({ err }, 'change relay: publish failed');
    });
    waits?.push(p);
  };
  o.bus.on('change', onLocal);

  sub.on('message', (ch: string, text: string) => {
    if (ch !== channel) return;
    let m: Message;
    try { m = JSON.parse(text) as Message; } catch { return; }
    if (m.from === id || !m.ev || typeof m.ev.category !== 'string' || typeof m.ev.path !== 'string') return;
    applyRemoteChange(o.bus, o.getState, m.ev);
  });
  // ioredis re-subscribes after a reconnect; whatever was published meanwhile is lost: forget it all.
  sub.on('ready', () => {
    if (subscribedOnce) {
      o.log.info('change relay: resubscribed; dropping every cache (changes may have been missed)');
      for (const slug of o.getState().mounts.keys()) applyRemoteChange(o.bus, o.getState, { category: slug, path: '', op: 'remove' });
    }
  });
  sub.subscribe(channel).then(() => { subscribedOnce = true; }, (err) => o.log.debug({ err }, 'change relay: subscribe failed; retrying on reconnect'));

  return {
    async close() {
      o.bus.off('change', onLocal);
      sub.disconnect();
    },
  };
}
