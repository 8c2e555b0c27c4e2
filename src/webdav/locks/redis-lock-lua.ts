/**
 * The Lua scripts of the Redis lock store. Each runs atomically inside Redis, so create, refresh
 * and unlock never race between instances. Keys (P = keyPrefix, C = category slug):
 *   P lock:<token>            the lock as JSON, expiring with the lock (PXAT)
 *   P lock-root:C:<path>      sorted set token → expiresAt of locks rooted at path
 *   P lock-below:C:<path>     sorted set token → expiresAt of locks rooted strictly beneath path
 *   P locks                   sorted set token → expiresAt of every lock (count, cap)
 * A sorted set lives as long as its longest lock (PEXPIREAT raised on insert), so Redis's own
 * expiry removes everything: no sweeper. Members whose score passed are ignored and pruned on
 * the next write to that set. Covering queries read one set per path level.
 * Every script takes ARGV[1] = key prefix, ARGV[2] = now in ms (or "" for Redis's own clock).
 */

const PRELUDE = `
local P = ARGV[1]
local now
if ARGV[2] ~= '' then now = tonumber(ARGV[2]) else
  local t = redis.call('TIME'); now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function lockKey(tok) return P .. 'lock:' .. tok end
local function rootKey(cat, path) return P .. 'lock-root:' .. cat .. ':' .. path end
local function belowKey(cat, path) return P .. 'lock-below:' .. cat .. ':' .. path end
local ALL = P .. 'locks'
-- strict ancestors of path, nearest first, ending with the category root ''
local function ancestors(path)
  local out, p = {}, path
  while p ~= '' do
    local i = string.find(p, '/[^/]*$')
    if i then p = string.sub(p, 1, i - 1) else p = '' end
    out[#out + 1] = p
  end
  return out
end
-- the key lives at least until at
local function extend(key, at)
  local cur = redis.call('PEXPIRETIME', key)
  if cur == -1 or (cur >= 0 and cur < at) then redis.call('PEXPIREAT', key, at) end
end
local function active(key) return redis.call('ZRANGE', key, '(' .. now, '+inf', 'BYSCORE') end
-- the JSON of an active lock, or nil
local function loadLock(tok)
  local j = redis.call('GET', lockKey(tok))
  if not j then return nil end
  local l = cjson.decode(j)
  if l.expiresAt <= now then return nil end
  return j, l
end
local function unindex(l)
  redis.call('ZREM', rootKey(l.category, l.path), l.token)
  for _, a in ipairs(ancestors(l.path)) do redis.call('ZREM', belowKey(l.category, a), l.token) end
  redis.call('ZREM', ALL, l.token)
end
local function index(l)
  local at = l.expiresAt
  local k = rootKey(l.category, l.path)
  redis.call('ZREMRANGEBYSCORE', k, '-inf', now)
  redis.call('ZADD', k, at, l.token); extend(k, at)
  for _, a in ipairs(ancestors(l.path)) do
    k = belowKey(l.category, a)
    redis.call('ZREMRANGEBYSCORE', k, '-inf', now)
    redis.call('ZADD', k, at, l.token); extend(k, at)
  end
  redis.call('ZADD', ALL, at, l.token); extend(ALL, at)
end
`;

/** ARGV[3..5] = category, path, "1" with descendants. Returns the JSON of every covering lock. */
export const COVERING_LUA = `${PRELUDE}
local cat, path = ARGV[3], ARGV[4]
local out = {}
local function collect(key, infinityOnly)
  for _, tok in ipairs(active(key)) do
    local j, l = loadLock(tok)
    if j and (not infinityOnly or l.depth == 'infinity') then out[#out + 1] = j end
  end
end
collect(rootKey(cat, path), false)
for _, a in ipairs(ancestors(path)) do collect(rootKey(cat, a), true) end
if ARGV[5] == '1' then collect(belowKey(cat, path), false) end
return out
`;

/**
 * ARGV[3] = the new lock as JSON without expiresAt (token included), ARGV[4] = most active locks.
 * Returns {'locked'}, {'full'} or {'ok', json, activeCount}.
 */
export const CREATE_LUA = `${PRELUDE}
local l = cjson.decode(ARGV[3])
local maxLocks = tonumber(ARGV[4])
local function conflicts(key, infinityOnly)
  for _, tok in ipairs(active(key)) do
    local j, o = loadLock(tok)
    if j and (not infinityOnly or o.depth == 'infinity') and (l.scope == 'exclusive' or o.scope == 'exclusive') then return true end
  end
  return false
end
if conflicts(rootKey(l.category, l.path), false) then return {'locked'} end
for _, a in ipairs(ancestors(l.path)) do
  if conflicts(rootKey(l.category, a), true) then return {'locked'} end
end
if l.depth == 'infinity' and conflicts(belowKey(l.category, l.path), false) then return {'locked'} end
redis.call('ZREMRANGEBYSCORE', ALL, '-inf', now)
if redis.call('ZCARD', ALL) >= maxLocks then return {'full'} end
l.expiresAt = now + l.timeoutSeconds * 1000
local j = cjson.encode(l)
redis.call('SET', lockKey(l.token), j, 'PXAT', l.expiresAt)
index(l)
return {'ok', j, redis.call('ZCARD', ALL)}
`;

/** ARGV[3] = token, ARGV[4] = new timeout (seconds, clamped). Returns {'gone'} or {'ok', json}. */
export const REFRESH_LUA = `${PRELUDE}
local j, l = loadLock(ARGV[3])
if not j then return {'gone'} end
l.timeoutSeconds = tonumber(ARGV[4])
l.expiresAt = now + l.timeoutSeconds * 1000
j = cjson.encode(l)
redis.call('SET', lockKey(l.token), j, 'PXAT', l.expiresAt)
index(l)
return {'ok', j}
`;

/** ARGV[3] = token. Returns {1 removed / 0 unknown, activeCount}. */
export const REMOVE_LUA = `${PRELUDE}
local j, l = loadLock(ARGV[3])
local raw = redis.call('GET', lockKey(ARGV[3]))
if raw then
  local o = cjson.decode(raw)
  redis.call('DEL', lockKey(ARGV[3]))
  unindex(o)
end
return {j and 1 or 0, redis.call('ZCOUNT', ALL, '(' .. now, '+inf')}
`;

/** ARGV[3..4] = category, path. Drops every lock rooted at or beneath path. Returns the active count. */
export const REMOVE_TREE_LUA = `${PRELUDE}
local cat, path = ARGV[3], ARGV[4]
local toks = redis.call('ZRANGE', rootKey(cat, path), 0, -1)
for _, t in ipairs(redis.call('ZRANGE', belowKey(cat, path), 0, -1)) do toks[#toks + 1] = t end
for _, t in ipairs(toks) do
  local raw = redis.call('GET', lockKey(t))
  redis.call('DEL', lockKey(t))
  if raw then unindex(cjson.decode(raw)) else
    redis.call('ZREM', rootKey(cat, path), t); redis.call('ZREM', belowKey(cat, path), t); redis.call('ZREM', ALL, t)
  end
end
return redis.call('ZCOUNT', ALL, '(' .. now, '+inf')
`;

/** Returns the number of active locks. */
export const SIZE_LUA = `${PRELUDE}
return redis.call('ZCOUNT', ALL, '(' .. now, '+inf')
`;

/** ARGV[3] = token. Returns the JSON of the active lock, or false. */
export const GET_LUA = `${PRELUDE}
local j = loadLock(ARGV[3])
return j or false
`;
