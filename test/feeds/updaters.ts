/**
 * The updaters' own code, run against our feeds: electron-updater's GenericProvider (its channel
 * file naming, YAML parsing and file URL resolution) with builder-util-runtime's HttpExecutor over
 * node:http (electron's net module is the only part replaced), and PHP's version_compare.
 */
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// GenericProvider and builder-util-runtime never load the `electron` module, so no stub is needed.
const { GenericProvider } = require('electron-updater/out/providers/GenericProvider') as { GenericProvider: new (...a: unknown[]) => Provider };
const { HttpExecutor, CancellationToken } = require('builder-util-runtime') as {
  HttpExecutor: abstract new () => Executor; CancellationToken: new () => unknown;
};

interface Executor { downloadToBuffer(url: URL, o: { sha512?: string; cancellationToken: unknown; headers?: Record<string, string> }): Promise<Buffer> }
/** What GenericProvider gives back. */
export interface UpdateInfo { version: string; files: { url: string; sha512: string; size: number }[]; path: string; sha512: string; releaseDate: string; releaseNotes?: string; releaseName?: string }
interface Provider { channel: string; getLatestVersion(): Promise<UpdateInfo>; resolveFiles(i: UpdateInfo): { url: URL; info: { sha512: string; size: number } }[] }

class NodeExecutor extends (HttpExecutor as unknown as new () => Executor & { createRequest(o: unknown, cb: unknown): unknown }) {
  override createRequest(options: http.RequestOptions, callback: (res: http.IncomingMessage) => void): http.ClientRequest {
    return http.request(options, callback);
  }
}

/** Asks the generic provider at `baseUrl` for `channel` as an app on `platform` would; resolves the file URLs. */
export async function electronCheck(baseUrl: string, platform: 'win32' | 'darwin' | 'linux', channel?: string) {
  const executor = new NodeExecutor();
  const updater = { channel: channel ?? null, isAddNoCacheQuery: true };
  const provider = new GenericProvider({ provider: 'generic', url: baseUrl }, updater, { executor, platform, isUseMultipleRangeRequest: true });
  const info = await provider.getLatestVersion();
  const files = provider.resolveFiles(info);
  return { channelFile: `${provider.channel}.yml`, info, files, executor };
}

/** Downloads a resolved file the way electron-updater does (following redirects), checking its sha512. */
export function electronDownload(executor: Executor, url: URL, sha512: string): Promise<Buffer> {
  return executor.downloadToBuffer(url, { sha512, cancellationToken: new CancellationToken() });
}

/** PHP's version_compare(a, b) via php-cli: -1, 0 or 1. */
export function phpVersionCompare(a: string, b: string): number {
  return Number(execFileSync('php', ['-r', 'echo version_compare($argv[1], $argv[2]);', '--', a, b], { encoding: 'utf8' }).trim());
}
