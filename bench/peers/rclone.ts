/**
 * Peer: `rclone serve webdav` (Debian's rclone), on a local folder or on an S3 prefix (the same RGW),
 * without a VFS cache, as users run it for a drop-in WebDAV front end.
 */
import { startService, waitForPort, freePort, type Service } from '../lib/proc.ts';
import type { S3Settings } from '../lib/settings.ts';

/** A running rclone server. */
export interface RclonePeer { service: Service; port: number; baseUrl: string; args: string[] }

/** The environment that defines the `rgw:` remote (no config file; secrets only in the child's env). */
export function rcloneS3Env(s3: S3Settings): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env,
    RCLONE_CONFIG_RGW_TYPE: 's3', RCLONE_CONFIG_RGW_PROVIDER: 'Ceph', RCLONE_CONFIG_RGW_ENDPOINT: s3.endpoint,
    RCLONE_CONFIG_RGW_ACCESS_KEY_ID: s3.accessKeyId, RCLONE_CONFIG_RGW_SECRET_ACCESS_KEY: s3.secretAccessKey,
    RCLONE_CONFIG_RGW_REGION: s3.region, RCLONE_CONFIG_RGW_FORCE_PATH_STYLE: 'true' };
  delete env.AWS_CA_BUNDLE;
  return env;
}

/**
 * Starts `rclone serve webdav <remote>` on a free port. `remote` is a folder or `rgw:bucket/prefix`.
 * @throws Error when rclone is missing or does not listen.
 */
export async function startRclone(name: string, remote: string, workDir: string, user: string, pass: string, s3?: S3Settings, extra: string[] = []): Promise<RclonePeer> {
  const port = await freePort();
  const args = ['serve', 'webdav', remote, '--addr', `127.0.0.1:${port}`, '--user', user, '--pass', pass,
    '--vfs-cache-mode', 'off', '--config', '/dev/null', ...extra];
  const service = startService(name, 'rclone', args, workDir, { env: s3 ? rcloneS3Env(s3) : process.env });
  await waitForPort(port, 20000, service);
  const shown = args.map((a) => (a === pass ? 'PASS' : a));
  return { service, port, baseUrl: `http://127.0.0.1:${port}`, args: shown };
}
