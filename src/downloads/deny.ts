/** How a refused visitor is answered: the category's unauthorised URL, 401 (nobody identified) or 403. */
import type { Context } from 'koa';
import type { CategoryConfig } from '../config/schema.ts';
import type { Identity } from './access.ts';

/** Sets a plain-text response. @throws never */
export function plain(ctx: Context, status: number, text: string): void {
  ctx.status = status;
  ctx.type = 'text/plain; charset=utf-8';
  ctx.body = text.endsWith('\n') ? text : text + '\n';
}

/** Answers a refusal and returns the status sent. @throws never */
export function deny(ctx: Context, category: CategoryConfig | undefined, id: Identity, realm: string): number {
  if (category?.unauthorizedUrl) {
    ctx.status = 302;
    ctx.set('Location', category.unauthorizedUrl);
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = 'Redirecting\n';
    return 302;
  }
  if (id.failed === 'dlid') {
    plain(ctx, 403, 'This download key is not valid.');
    return 403;
  }
  if (!id.principal) {
    ctx.set('WWW-Authenticate', `Basic realm="${realm.replace(/["\\]/g, '')}", charset="UTF-8"`);
    plain(ctx, 401, 'Please sign in to download this file.');
    return 401;
  }
  plain(ctx, 403, 'You may not download from this category.');
  return 403;
}
