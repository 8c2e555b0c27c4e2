/**
 * The Redis lock store: the same contract as the in-memory store (lock-store.ts), shared by every
 * instance and worker that uses the same Redis and key prefix. Create, refresh and unlock are Lua
 * scripts (atomic in Redis); covering queries read one sorted set per path level; expiry is
 * Redis's own key expiry (see redis-lock-lua.ts for the key layout).
 */
import type { Redis } from 'ioredis';
import { VfsError } from '../../vfs/errors.ts';
import type { RedisConnection } from '../../coordination/redis-connection.ts';
import type { DavLock, LockStore } from '../context.ts';
import { clampLockTimeout, DEFAULT_MAX_LOCK_TIMEOUT_SECONDS, DEFAULT_MAX_LOCKS, newLockToken, normalizeToken, type LockStoreOptions } from './lock-store.ts';
import { COVERING_LUA, CREATE_LUA, GET_LUA, REFRESH_LUA, REMOVE_LUA, REMOVE_TREE_LUA, SIZE_LUA } from './redis-lock-lua.ts';

type Script = (client: Redis, ...argv: string[]) => Promise<unknown>;

/** Registers a script once per client (EVALSHA, falling back to EVAL when Redis lost it). */
function script(name: string, lua: string): Script {
  const cmd = `rdavLock${name}`;
  return (client, ...argv) => {
    const c = client as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
    if (typeof c[cmd] !== 'function') client.defineCommand(cmd, { numberOfKeys: 0, lua });
    return c[cmd]!.call(client, ...argv);
  };
}

const covering = script('Covering', COVERING_LUA);
const create = script('Create', CREATE_LUA);
const refresh = script('Refresh', REFRESH_LUA);
const remove = script('Remove', REMOVE_LUA);
const removeTree = script('RemoveTree', REMOVE_TREE_LUA);
const size = script('Size', SIZE_LUA);
const get = script('Get', GET_LUA);

/** A lock as the scripts store it (JSON), back to a DavLock. */
function parse(json: string): DavLock {
  const l = JSON.parse(json) as DavLock;
  const out: DavLock = {
    token: l.token, category: l.category, path: l.path, scope: l.scope, depth: l.depth,
    principal: l.principal, timeoutSeconds: l.timeoutSeconds, expiresAt: l.expiresAt,
  };
  if (typeof l.ownerXml === 'string') out.ownerXml = l.ownerXml;
  if (l.lockNull) out.lockNull = true;
  return out;
}

/**
 * Creates a lock store on `redis`. Methods reject as documented on {@link LockStore}, and with
 * VfsError EUNAVAIL while Redis cannot be reached (bounded by the connection's command timeout).
 * `o.now` replaces Redis's clock (tests); `o.onChange` receives the deployment-wide count of
 * active locks after each create/unlock.
 * @throws never
 */
export function createRedisLockStore(redis: RedisConnection, o: LockStoreOptions = {}): LockStore {
  const max = Math.max(1, o.maxTimeoutSeconds ?? DEFAULT_MAX_LOCK_TIMEOUT_SECONDS);
  const maxLocks = o.maxLocks ?? DEFAULT_MAX_LOCKS;
  const P = redis.keyPrefix;
  const now = () => (o.now ? String(o.now()) : '');
  const run = <T>(s: Script, ...argv: string[]) => redis.call((c) => s(c, P, now(), ...argv) as Promise<T>);
  const count = (n: unknown) => { if (typeof n === 'number') o.onChange?.(n); };

  return {
    async covering(category, path, includeDescendants = false) {
      const found = await run<string[]>(covering, category, path, includeDescendants ? '1' : '0');
      return found.map(parse);
    },
    async create(spec) {
      const lock = { ...spec, token: newLockToken(), timeoutSeconds: clampLockTimeout(spec.timeoutSeconds, max) };
      const r = await run<[string, string?, number?]>(create, JSON.stringify(lock), String(maxLocks));
      if (r[0] === 'locked') throw new VfsError('ELOCKED', 'the resource is locked');
      if (r[0] === 'full') throw new VfsError('ENOSPC', 'too many active locks');
      count(r[2]);
      return parse(r[1]!);
    },
    async refresh(token, timeoutSeconds) {
      const r = await run<[string, string?]>(refresh, normalizeToken(token), String(clampLockTimeout(timeoutSeconds, max)));
      if (r[0] !== 'ok') throw new VfsError('EPRECOND', 'no such lock');
      return parse(r[1]!);
    },
    async remove(token) {
      const [removed, n] = await run<[number, number]>(remove, normalizeToken(token));
      count(n);
      return removed === 1;
    },
    async get(token) {
      const j = await run<string | null>(get, normalizeToken(token));
      return j ? parse(j) : undefined;
    },
    async removeTree(category, path) {
      count(await run<number>(removeTree, category, path));
    },
    size() {
      return run<number>(size);
    },
  };
}
