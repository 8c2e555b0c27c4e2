/**
 * Caches that agree: every change this instance makes (the local change bus) is published on a
 * Redis channel; changes published by other instances are applied here — the mount's stat/listing
 * cache forgets the paths, then the event is re-emitted on the local bus (marked `remote`) so the
 * sidecar cache, the lookup cache and the catalog drop theirs too. After a gap in the
 * subscription (Redis was away) every cache is dropped, since messages may have been missed.
 *
 * Synchronous with the writer's answer: PUBLISH only puts the message on the other instances'
 * sockets; an instance busy with other work may read a request that arrives right after the
 * writer's answer before it reads the message (measured without acks: 1 stale GET in 6,000
 * immediate reads, three runs of test/coordination/shared-caches.test.ts; with acks: none). So every instance confirms each message once it has
 * dropped the paths (an ack on `<keyPrefix>acks:<writer>`), and the writer's announceChange waits
 * for as many acks as PUBLISH reported other subscribers, at most `ackTimeoutMs` (an instance
 * that died without Redis noticing yet only delays writes by that much; logged at most once a
 * minute). A read on another instance after the writer's answer therefore never sees the old
 * state. Reads pay nothing; a write pays one more Redis round trip.
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

interface Message { from: string; id?: string; ev: ChangeEvent }

/** A message of ours waiting for the other instances' acks. */
interface Pending { need?: number; got: number; done(): void }

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
export function startChangeRelay(o: { bus: ChangeBus; getState: StateProvider; redis: RedisConnection; log: Logger; ackTimeoutMs: number }): ChangeRelay {
  const id = randomUUID();
  const channel = `${o.redis.keyPrefix}changes`;
  const ackPrefix = `${o.redis.keyPrefix}acks:`;
  const sub = o.redis.duplicate();
  let subscribedOnce = false;
  let seq = 0;
  const pending = new Map<string, Pending>();
  let lastAckWarning = 0;

  /** Publishes `msg` and resolves once every other subscriber confirmed it (or the timeout). */
  const publishAndWait = async (msg: Message): Promise<void> => {
    const mid = msg.id!;
    let timer: NodeJS.Timeout | undefined;
    const acked = new Promise<void>((resolve) => {
      const p: Pending = { got: 0, done: resolve };
      pending.set(mid, p);
      timer = setTimeout(() => {
        if (Date.now() - lastAckWarning > 60_000) {
          lastAckWarning = Date.now();
          o.log.warn({ expected: p.need, confirmed: p.got, ms: o.ackTimeoutMs }, 'change relay: not every instance confirmed a change in time (one may have died); answering anyway');
        }
        resolve();
      }, o.ackTimeoutMs);
    });
    try {
      const receivers = await o.redis.call((c) => c.publish(channel, JSON.stringify(msg)));
      const p = pending.get(mid);
      if (p) {
        p.need = Math.max(0, receivers - 1); // our own subscription counts too
        if (p.got >= p.need) p.done();
      }
      await acked;
    } catch (err) {
      o.log.debug({ err }, 'change relay: publish failed');
    } finally {
      clearTimeout(timer);
      pending.delete(mid);
    }
  };

  const onLocal = (ev: ChangeEvent, waits?: Promise<unknown>[]) => {
    if (ev.remote) return;
    const msg: Message = { from: id, id: `${id}:${++seq}`, ev: { category: ev.category, path: ev.path, op: ev.op, from: ev.from, fromCategory: ev.fromCategory } };
    const p = publishAndWait(msg);
    waits?.push(p);
  };
  o.bus.on('change', onLocal);

  sub.on('message', (ch: string, text: string) => {
    if (ch === `${ackPrefix}${id}`) {
      const p = pending.get(text);
      if (p) {
        p.got++;
        if (p.need !== undefined && p.got >= p.need) p.done();
      }
      return;
    }
    if (ch !== channel) return;
    let m: Message;
    try { m = JSON.parse(text) as Message; } catch { return; }
    if (m.from === id || !m.ev || typeof m.ev.category !== 'string' || typeof m.ev.path !== 'string') return;
    applyRemoteChange(o.bus, o.getState, m.ev);
    // Dropped: tell the writer, which answers its client only then.
    if (typeof m.id === 'string' && typeof m.from === 'string') {
      void o.redis.call((c) => c.publish(`${ackPrefix}${m.from}`, m.id!)).catch(() => undefined);
    }
  });
  // ioredis re-subscribes after a reconnect; whatever was published meanwhile is lost: forget it all.
  sub.on('ready', () => {
    if (subscribedOnce) {
      o.log.info('change relay: resubscribed; dropping every cache (changes may have been missed)');
      for (const slug of o.getState().mounts.keys()) applyRemoteChange(o.bus, o.getState, { category: slug, path: '', op: 'remove' });
    }
  });
  // One SUBSCRIBE for both: whoever counts as a receiver of changes also receives its acks.
  sub.subscribe(channel, `${ackPrefix}${id}`).then(() => { subscribedOnce = true; }, (err) => o.log.debug({ err }, 'change relay: subscribe failed; retrying on reconnect'));

  return {
    async close() {
      o.bus.off('change', onLocal);
      sub.disconnect();
    },
  };
}
