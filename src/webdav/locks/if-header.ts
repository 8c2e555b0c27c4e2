/**
 * The WebDAV `If` header (RFC 4918 §10.4): parser, submitted lock tokens, evaluation.
 * Grammar: If = 1*No-tag-list | 1*Tagged-list; Tagged-list = Resource-Tag 1*List;
 * List = "(" 1*Condition ")"; Condition = ["Not"] (State-token | "[" entity-tag "]").
 */
import { VfsError } from '../../vfs/errors.ts';
import { normalizeToken } from './lock-store.ts';

/** One condition of a list: a state token (`<…>`) or an entity tag (`["…"]`), possibly negated. */
export interface IfCondition {
  not: boolean;
  kind: 'token' | 'etag';
  /** Token without angle brackets, or the etag without quotes and without `W/`. */
  value: string;
}

/** One parenthesised list; all its conditions must hold. */
export interface IfList {
  /** Decoded absolute path of a tagged list (`<http://host/a%20b>` → `/a b`); undefined = the request resource. */
  resourceTag?: string;
  /** Host (`name[:port]`, lowercase) of an absolute-URL tag; a tag on another host never matches. */
  resourceHost?: string;
  conditions: IfCondition[];
}

/** The state token that never matches a lock (`Not <DAV:no-lock>` is always true). */
export const NO_LOCK = 'DAV:no-lock';

const bad = (why: string) => new VfsError('EINVAL', `malformed If header: ${why}`);

function decodeTag(raw: string): { path: string; host?: string } {
  let pathPart = raw;
  let host: string | undefined;
  if (/^[a-z][a-z0-9+.-]*:/i.test(raw)) {
    let url: URL;
    try { url = new URL(raw); } catch { throw bad('invalid resource tag'); }
    host = url.host.toLowerCase();
    pathPart = url.pathname;
  }
  if (!pathPart.startsWith('/')) throw bad('resource tag is not an absolute URL or path');
  try {
    return { path: pathPart.split('/').map(decodeURIComponent).join('/'), host };
  } catch {
    throw bad('invalid percent-encoding in resource tag');
  }
}

/** Strips `W/` and the quotes of an entity tag. */
export function unquoteEtag(etag: string): string {
  let e = etag.trim();
  if (e.startsWith('W/')) e = e.slice(2);
  if (e.length >= 2 && e.startsWith('"') && e.endsWith('"')) e = e.slice(1, -1);
  return e;
}

/**
 * Parses an `If` header value.
 * @throws VfsError EINVAL on any syntax error (callers answer 400).
 */
export function parseIfHeader(value: string): IfList[] {
  const s = value;
  let i = 0;
  const ws = () => { while (i < s.length && /\s/.test(s[i]!)) i++; };
  const readAngle = (): string => {
    const end = s.indexOf('>', i);
    if (end < 0) throw bad('unterminated <');
    const v = s.slice(i + 1, end).trim();
    i = end + 1;
    if (v === '') throw bad('empty <>');
    return v;
  };
  const readEtag = (): string => {
    i++; // [
    ws();
    const start = i;
    if (s.startsWith('W/', i)) i += 2;
    if (s[i] !== '"') throw bad('entity tag must be quoted');
    i++;
    while (i < s.length && s[i] !== '"') { if (s[i] === '\\') i++; i++; }
    if (i >= s.length) throw bad('unterminated entity tag');
    i++;
    const tag = s.slice(start, i);
    ws();
    if (s[i] !== ']') throw bad('expected ]');
    i++;
    return unquoteEtag(tag);
  };

  const lists: IfList[] = [];
  let tag: { path: string; host?: string } | undefined;
  ws();
  if (i >= s.length) throw bad('empty');
  while (i < s.length) {
    if (s[i] === '<') {
      tag = decodeTag(readAngle());
      ws();
      if (s[i] !== '(') throw bad('a resource tag must be followed by a list');
      continue;
    }
    if (s[i] !== '(') throw bad(`unexpected "${s[i]}"`);
    i++;
    const conditions: IfCondition[] = [];
    for (;;) {
      ws();
      if (i >= s.length) throw bad('unterminated list');
      if (s[i] === ')') { i++; break; }
      let not = false;
      if (/^not\b/i.test(s.slice(i, i + 4)) && /[\s<[]/.test(s[i + 3] ?? '')) {
        not = true;
        i += 3;
        ws();
      }
      if (s[i] === '<') conditions.push({ not, kind: 'token', value: normalizeToken(readAngle()) });
      else if (s[i] === '[') conditions.push({ not, kind: 'etag', value: readEtag() });
      else throw bad('expected a state token or an entity tag');
    }
    if (!conditions.length) throw bad('empty list');
    lists.push(tag ? { resourceTag: tag.path, resourceHost: tag.host, conditions } : { conditions });
    ws();
  }
  return lists;
}

/** Lock tokens the client submitted: every non-negated state token except `DAV:no-lock`. @throws never */
export function submittedTokens(lists: IfList[]): string[] {
  const out = new Set<string>();
  for (const l of lists) for (const c of l.conditions) if (c.kind === 'token' && !c.not && c.value !== NO_LOCK) out.add(c.value);
  return [...out];
}

/** Lowercase host without the default HTTP(S) port (`Example.com:80` → `example.com`). */
function canonicalHost(h: string): string {
  return h.trim().toLowerCase().replace(/:(80|443)$/, '');
}

/** What {@link evaluateIf} needs to know about a resource. */
export interface IfResourceState { etag?: string; exists: boolean; lockTokens: string[] }

/**
 * RFC 4918 §10.4: true if any list matches. A token condition holds when that token is a lock
 * currently covering the resource; an etag condition when the resource exists with that etag.
 * `state(path)` is called with `requestPath` for untagged lists and with the decoded tag path
 * otherwise; it gives the current etag (unquoted) and the tokens of locks covering the resource.
 * With `o.host` (one host or all the names this server answers to, `name[:port]`), a tagged list
 * naming another host never matches.
 * @throws whatever `state` throws.
 */
export async function evaluateIf(
  lists: IfList[],
  requestPath: string,
  state: (path: string) => Promise<IfResourceState>,
  o: { host?: string | string[] } = {},
): Promise<boolean> {
  const hosts = o.host === undefined ? undefined : new Set((Array.isArray(o.host) ? o.host : [o.host]).map(canonicalHost));
  const cache = new Map<string, Promise<IfResourceState>>();
  const stateOf = (p: string) => {
    let v = cache.get(p);
    if (!v) { v = state(p); cache.set(p, v); }
    return v;
  };
  for (const list of lists) {
    if (list.resourceHost && hosts && !hosts.has(canonicalHost(list.resourceHost))) continue;
    const st = await stateOf(list.resourceTag ?? requestPath);
    const tokens = new Set(st.lockTokens.map(normalizeToken));
    const holds = list.conditions.every((c) => {
      const match = c.kind === 'token'
        ? c.value !== NO_LOCK && tokens.has(c.value)
        : st.exists && st.etag !== undefined && unquoteEtag(st.etag) === c.value;
      return c.not ? !match : match;
    });
    if (holds) return true;
  }
  return false;
}
