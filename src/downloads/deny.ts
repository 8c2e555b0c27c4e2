/** How a refused visitor is answered: the category's unauthorised URL, 401 (nobody identified) or 403. */
import type { ServerResponse } from 'node:http';
import type { Context } from 'koa';
import type { CategoryConfig } from '../config/schema.ts';
import type { Identity } from './access.ts';

/** A small complete answer (status, extra headers, plain-text body), usable with Koa or node:http. */
export interface Reply { status: number; headers: Record<string, string>; body: string }

const PLAIN = 'text/plain; charset=utf-8';

/** A plain-text reply (a trailing newline is added when missing). @throws never */
export function plainReply(status: number, text: string, headers: Record<string, string> = {}): Reply {
  return { status, headers, body: text.endsWith('\n') ? text : text + '\n' };
}

/** Sets a plain-text response. @throws never */
export function plain(ctx: Context, status: number, text: string): void {
  ctx.status = status;
  ctx.type = PLAIN;
  ctx.body = text.endsWith('\n') ? text : text + '\n';
}

/** The answer to a refused visitor. @throws never */
export function refusal(category: CategoryConfig | undefined, id: Identity, realm: string): Reply {
  if (category?.unauthorizedUrl) {
    return { status: 302, headers: { Location: category.unauthorizedUrl, 'Cache-Control': 'no-store' }, body: 'Redirecting\n' };
  }
  if (id.failed === 'dlid') return plainReply(403, 'This download key is not valid.');
  if (!id.principal) {
    return plainReply(401, 'Please sign in to download this file.', { 'WWW-Authenticate': `Basic realm="${realm.replace(/["\\]/g, '')}", charset="UTF-8"` });
  }
  return plainReply(403, 'You may not download from this category.');
}

/** Answers a refusal on a Koa context and returns the status sent. @throws never */
export function deny(ctx: Context, category: CategoryConfig | undefined, id: Identity, realm: string): number {
  const r = refusal(category, id, realm);
  applyReply(ctx, r);
  return r.status;
}

/** Puts a reply on a Koa context. @throws never */
export function applyReply(ctx: Context, r: Reply): void {
  for (const k in r.headers) ctx.set(k, r.headers[k]!);
  plain(ctx, r.status, r.body);
}

/**
 * Writes a reply on a raw node:http response in one write (headers and body together).
 * @throws never (a destroyed socket makes the write a no-op)
 */
export function sendReply(res: ServerResponse, r: Reply): void {
  const body = r.body;
  res.writeHead(r.status, { ...r.headers, 'Content-Type': PLAIN, 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}
