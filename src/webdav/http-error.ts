/**
 * A request refused by the WebDAV layer itself (not by storage): carries the exact status,
 * optional headers and an optional XML error body (`<D:error>` precondition element).
 */
import { toHttpStatus, VfsError } from '../vfs/errors.ts';

/** Thrown by the pre-filter and handlers; mapped 1:1 to a response. */
export class DavHttpError extends Error {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  /** Inner XML of `<D:error>` (e.g. `<D:propfind-finite-depth/>`), if any. */
  readonly errorXml?: string;
  constructor(status: number, message?: string, o: { headers?: Record<string, string | string[]>; errorXml?: string; cause?: unknown } = {}) {
    super(message ?? String(status), { cause: o.cause });
    this.name = 'DavHttpError';
    this.status = status;
    this.headers = o.headers ?? {};
    this.errorXml = o.errorXml;
  }
}

/** Status for any error a handler may throw (DavHttpError, VfsError, anything else → 500). @throws never */
export function statusOf(err: unknown): number {
  if (err instanceof DavHttpError) return err.status;
  if (err instanceof VfsError) return toHttpStatus(err);
  return 500;
}

/** A message that is safe to show a client for this error. @throws never */
export function publicMessage(err: unknown): string {
  if (err instanceof DavHttpError || err instanceof VfsError) return err.message;
  return 'internal error';
}
