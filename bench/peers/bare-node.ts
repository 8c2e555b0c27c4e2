/** Starts the bare Node server peer (bare-node-server.ts) as its own process. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startService, waitForPort, freePort, type Service } from '../lib/proc.ts';

/** A running bare Node server: `/files/<name>` for PUT/GET, anything else a fixed 302. */
export interface BareNodePeer { service: Service; port: number; baseUrl: string }

/** @throws Error when it does not listen. */
export async function startBareNode(workDir: string): Promise<BareNodePeer> {
  const dir = join(workDir, 'bare-node');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const script = fileURLToPath(new URL('./bare-node-server.ts', import.meta.url));
  const service = startService('bare-node', process.execPath, ['--import', 'tsx', script, String(port), dir], workDir);
  await waitForPort(port, 20000, service);
  return { service, port, baseUrl: `http://127.0.0.1:${port}` };
}
