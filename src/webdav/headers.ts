/** Request header access with one value per name. */
import type { IncomingMessage } from 'node:http';

/** The header's value (repeated headers joined by ", "), or undefined. @throws never */
export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}
