/**
 * The access decision of one /dl attempt, shared by the Koa route and the node:http fast path:
 * a signed link (`?expires=&sig=`) authorises its path; otherwise the visitor (Basic or `?dlid=`,
 * counted by the brute-force guard) must be allowed to download from the category.
 */
import type { Mount, RuntimeState } from '../vfs/mount.ts';
import { mayDownload, type Identity } from './access.ts';
import { plainReply, refusal, type Reply } from './deny.ts';
import type { LinkSigner } from './links.ts';
import { visitorOf, type OfferedCredentials, type ServerParts } from './request-context.ts';

const ANONYMOUS: Identity = Object.freeze({ principal: null, via: 'anonymous' });

/** What one attempt is logged with (filled in as the request is understood). */
export interface Attempt { category?: string; release?: string; file?: string; user?: string | null; via?: string; authorized: boolean }

/** The access-related parts of a /dl request. */
export interface DlAccessRequest {
  /** Decoded path without the leading slash ("dl/cat/rel/file"). */
  path: string;
  /** `expires` and `sig` query values (first of each); undefined when absent. */
  expires: string | undefined;
  sig: string | undefined;
  creds: OfferedCredentials;
}

/**
 * Decides access and records who asked into `a` (user, via, authorized).
 * @returns null when allowed, else the reply to send (403 for a bad link, else {@link refusal}).
 * @throws never (identify and verify never throw)
 */
export async function checkDlAccess(
  r: DlAccessRequest, mount: Mount, state: RuntimeState, parts: ServerParts, signer: LinkSigner | undefined, a: Attempt,
): Promise<Reply | null> {
  if (r.sig !== undefined || r.expires !== undefined) {
    const verdict = signer ? signer.verify(`/${r.path}`, r.expires, r.sig) : 'bad';
    a.via = 'link';
    if (verdict !== 'ok') return plainReply(403, verdict === 'expired' ? 'This download link has expired.' : 'This download link is not valid.');
    a.user = 'signed-link';
  } else {
    // Without credentials the visitor is anonymous: skip the (async) identification.
    const id = r.creds.authorization || r.creds.dlid !== undefined ? await visitorOf(r.creds, state, parts) : ANONYMOUS;
    a.via = id.failed ? `${id.failed}-failed` : id.via;
    a.user = id.principal?.name ?? null;
    if (!mayDownload(id, mount.category)) return refusal(mount.category, id, state.config.auth.realm);
  }
  a.authorized = true;
  return null;
}
