/**
 * `releasedav check-config`: validate the config, check S3, list categories with their backends.
 */
import { DEFAULT_CONFIG_PATH, loadConfigFile } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { createS3Client } from '../backends/s3-client.ts';
import { localCategoryDir } from '../lifecycle/data-dirs.ts';
import { checkS3 } from '../backends/s3-startup.ts';
import { createLogger } from '../log.ts';
import type { ParsedArgs } from './args.ts';
import { EXIT, type ExitCode } from './exit-codes.ts';
import type { CliIo } from './io.ts';

/** Where a category's files live, for people (never secrets). @throws never */
export function describeBackend(cfg: Config, directory: string): string {
  const local = localCategoryDir(cfg, directory);
  if (local !== undefined) return `local ${local}`;
  const prefix = directory.replace(/^s3:\/\//i, '').replace(/^\/+|\/+$/g, '');
  const bucket = cfg.storage.s3?.bucket ?? '?';
  return `s3 s3://${bucket}/${prefix ? `${prefix}/` : ''}${prefix ? '' : ' (bucket root)'}`;
}

/** @throws ConfigError (exit 2), S3StartupError (exit 3) */
export async function checkConfigCommand(args: ParsedArgs, io: CliIo): Promise<ExitCode> {
  const file = args.config ?? DEFAULT_CONFIG_PATH;
  const { config } = loadConfigFile(file);
  io.stdout.write(`${file}: valid\n`);
  const s3 = config.storage.s3;
  if (s3) {
    const client = createS3Client(s3);
    try {
      await checkS3({ client, s3, categories: config.categories, log: createLogger({ level: 'silent' }) });
    } finally {
      client.destroy();
    }
    io.stdout.write(`S3 bucket "${s3.bucket}" at ${s3.endpoint ?? `AWS (${s3.region})`}: reachable\n`);
  }
  const width = Math.max(...config.categories.map((c) => c.slug.length));
  for (const c of config.categories) {
    io.stdout.write(`  ${c.slug.padEnd(width)}  ${c.type.padEnd(13)}  ${describeBackend(config, c.directory)}\n`);
  }
  return EXIT.OK;
}
