/**
 * Builds a {@link RuntimeState} from a config: the S3 client (kept across reloads while the
 * connection settings stay the same), the presigner and the mount table.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { createS3Client } from '../backends/s3-client.ts';
import { createS3Backend } from '../backends/s3.ts';
import { createPresigner } from '../backends/s3-presign.ts';
import { createMountTable } from '../vfs/mount-table.ts';
import type { RuntimeState } from '../vfs/mount.ts';
import { s3Fingerprint } from './reload-plan.ts';
import type { TransferBudget } from '../vfs/transfer-budget.ts';

/** The S3 client in use and the settings it was made from. */
export interface S3Handle { client: S3Client; fingerprint: string }

/** A state plus the S3 handle it uses (so the next reload can reuse it). */
export interface BuiltState { state: RuntimeState; s3?: S3Handle }

/**
 * Builds mounts for `config`. Reuses `previous` S3 client when the S3 connection settings are unchanged.
 * @throws ConfigError when a mount cannot be built (folder cannot be created, bad prefix)
 */
export function buildRuntimeState(config: Config, deps: { log: Logger; metrics: Metrics; previous?: S3Handle; budget?: TransferBudget }): BuiltState {
  const s3cfg = config.storage.s3;
  let s3: S3Handle | undefined;
  if (s3cfg) {
    const fingerprint = s3Fingerprint(config)!;
    s3 = deps.previous && deps.previous.fingerprint === fingerprint
      ? deps.previous
      : { client: createS3Client(s3cfg), fingerprint };
  }
  const presigner = s3cfg ? createPresigner({ bucket: s3cfg.bucket, s3: s3cfg }) : undefined;
  const mounts = createMountTable(config, {
    log: deps.log,
    metrics: deps.metrics,
    budget: deps.budget,
    s3: s3 && s3cfg
      ? {
          client: s3.client,
          createBackend: ({ prefix }) => createS3Backend({
            client: s3.client, bucket: s3cfg.bucket, prefix, s3: s3cfg, log: deps.log.child({ backend: 's3', prefix }), metrics: deps.metrics, presigner, budget: deps.budget,
          }),
        }
      : undefined,
  });
  return { state: { config, mounts }, s3 };
}
