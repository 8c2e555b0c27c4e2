/** One timed PROPFIND through curl, with the count of <response> elements in the answer. */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { curl, userArg } from './http-tools.ts';

/** Request bodies: allprop, and the named properties a file manager lists with. */
export const BODIES = {
  allprop: '<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>',
  named: '<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/><D:getcontentlength/><D:getlastmodified/><D:getetag/></D:prop></D:propfind>',
} as const;

/** Result of one PROPFIND. */
export interface PropfindResult { ms: number; status: number; responses: number; bytes: number; timedOut: boolean }

/**
 * Sends PROPFIND with `Depth` and one of the bodies; counts the responses. A request cut by
 * `maxSeconds` comes back with `timedOut` set.
 * @throws Error when curl fails or the status is not 207.
 */
export async function propfind(url: string, depth: '0' | '1', body: keyof typeof BODIES, user: string, pass: string, workDir: string, maxSeconds = 120): Promise<PropfindResult> {
  const out = join(workDir, `propfind-${process.pid}-${Date.now()}.xml`);
  const r = await curl([...userArg(user, pass), '-X', 'PROPFIND', '-H', `Depth: ${depth}`, '-H', 'Content-Type: application/xml',
    '--data-binary', BODIES[body], '--max-time', String(maxSeconds), '-o', out, url]);
  let text = '';
  try { text = readFileSync(out, 'utf8'); } catch { /* empty answer */ }
  rmSync(out, { force: true });
  const timedOut = r.exitCode === 28;
  if (r.status !== 207 && !timedOut) throw new Error(`PROPFIND ${url} answered ${r.status}: ${text.slice(0, 200)}`);
  const responses = (text.match(/<([A-Za-z][\w.-]*:)?response[\s>]/g) ?? []).length;
  return { ms: r.seconds * 1000, status: r.status, responses, bytes: r.bytesDown, timedOut };
}

/** The curl command line, for BENCHMARKS.md. */
export function propfindCommand(url: string, depth: string, body: keyof typeof BODIES): string {
  return `curl -s -o out.xml -u bench:PASS -X PROPFIND -H "Depth: ${depth}" -H "Content-Type: application/xml" --data-binary '${BODIES[body]}' ${url}`;
}
