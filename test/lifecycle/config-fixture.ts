/**
 * Config files for lifecycle tests: free ports, a temp data root, users with real scrypt hashes.
 */
import { hashPassword } from '../../src/auth/passwords.ts';
import { freePort, tempDir, writeFile } from '../cli/run-cli.ts';

/** Test credentials; every log line is scanned for these. */
export const PASSWORDS = { alice: 'alice-pw-Zq81!lifecycle', bob: 'bob-pw-Kx42!lifecycle' } as const;
export const LINK_SECRET = 'lifecycle-link-secret-000000000000000000000001';

export interface Fixture {
  dir: string;
  dataRoot: string;
  webdavPort: number;
  downloadsPort: number;
  /** Writes the config (overwriting); `bobMayWrite` toggles bob in stable's write list. */
  write(o: { bobMayWrite: boolean; drainSeconds?: number; extraCategories?: string; s3?: string }): string;
  file: string;
}

let hashes: Promise<Record<keyof typeof PASSWORDS, string>> | undefined;
const userHashes = () => (hashes ??= (async () => ({ alice: await hashPassword(PASSWORDS.alice), bob: await hashPassword(PASSWORDS.bob) }))());

/** A fixture with free ports and a temp folder. */
export async function makeFixture(label: string): Promise<Fixture> {
  const dir = tempDir(label);
  const h = await userHashes();
  const webdavPort = await freePort();
  const downloadsPort = await freePort();
  const file = `${dir}/config.yaml`;
  return {
    dir, dataRoot: `${dir}/data`, webdavPort, downloadsPort, file,
    write(o) {
      const writers = o.bobMayWrite ? '[alice, bob]' : '[alice]';
      writeFile(dir, 'config.yaml', `webdav:
  port: ${webdavPort}
downloads:
  port: ${downloadsPort}
logging:
  level: info
storage:
  local:
    root: ${dir}/data
${o.s3 ?? ''}auth:
  users:
    alice:
      password: ${h.alice}
    bob:
      password: ${h.bob}
links:
  secret: \${RDAV_TEST_LINK_SECRET}
lifecycle:
  drainSeconds: ${o.drainSeconds ?? 30}
categories:
  - slug: stable
    directory: stable
    access:
      read: ["*"]
      write: ${writers}
${o.extraCategories ?? ''}`);
      return file;
    },
  };
}
