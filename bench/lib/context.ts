/**
 * What every measure receives: settings, the results sink, the running peers (null when one could
 * not start) and a log of the exact commands for BENCHMARKS.md.
 */
import type { Settings } from './settings.ts';
import type { Results } from './results.ts';
import type { NginxPeer } from '../peers/nginx.ts';
import type { RclonePeer } from '../peers/rclone.ts';
import type { BareNodePeer } from '../peers/bare-node.ts';
import type { ReleaseDavPeer } from '../peers/releasedav.ts';

/**
 * Where the big listing lives, in every tree and prefix: two levels down, so the catalog (which
 * reads releases = first-level folders and their direct files) does not see 10,000 items in it.
 */
export const LIST = 'deep/list';

/** The peers of the run; each is null when it could not start (the reason is in `Results.problems`). */
export interface Peers {
  nginx: NginxPeer | null;
  rcloneDisk: RclonePeer | null;
  rcloneS3: RclonePeer | null;
  bare: BareNodePeer | null;
  rdav: ReleaseDavPeer | null;
}

/** The shared state of one bench run. */
export interface Ctx {
  s: Settings;
  r: Results;
  peers: Peers;
  /** The folder served by nginx, rclone (disk) and ReleaseDAV's `disk` category. */
  tree: string;
  /** A random file of `s.sizeMiB` MiB. */
  bigFile: string;
  /** Exact commands, by label, printed into BENCHMARKS.md. */
  commands: Map<string, string>;
  /** Restarts rclone-on-S3 (for cold listings); returns the new peer or null. */
  restartRcloneS3(): Promise<RclonePeer | null>;
  /** Restarts ReleaseDAV (a fresh process for memory measures); returns the new peer or null. */
  restartReleaseDav(): Promise<ReleaseDavPeer | null>;
  /** Frees deleted RGW objects now (the bench RGW's garbage collector waits 60 s otherwise). */
  rgwGc(): Promise<void>;
}

/** Records a representative command once under its label. */
export function logCommand(ctx: Ctx, label: string, cmd: string): void {
  if (!ctx.commands.has(label)) ctx.commands.set(label, cmd.replaceAll(ctx.s.password, 'PASS').replaceAll(ctx.s.workDir, '$WORK'));
}
