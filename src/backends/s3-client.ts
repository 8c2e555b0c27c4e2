/**
 * Builds the one S3 client of the daemon from the validated config. Everything is explicit:
 * credentials come from the config's {@link Secret}s, never from ambient `AWS_*` variables,
 * profiles or instance metadata, and the HTTP agents are ours (so e.g. an `AWS_CA_BUNDLE` in the
 * environment has no say over a plain-http endpoint).
 */
import http from 'node:http';
import https from 'node:https';
import { S3Client } from '@aws-sdk/client-s3';
import type { S3Config } from '../config/schema.ts';

/** Sockets per client; an upload uses queueSize of them, a listing one. */
export const S3_MAX_SOCKETS = 64;

/**
 * Creates an S3 client for `s3` (region, endpoint, path style, timeouts, credentials).
 * The client does not contact the store until used.
 * @throws never (bad settings surface on the first call, see checkS3)
 */
export function createS3Client(s3: S3Config): S3Client {
  const agentOptions = { keepAlive: true, maxSockets: S3_MAX_SOCKETS };
  const timeoutMs = s3.requestTimeoutSeconds * 1000;
  return new S3Client({
    region: s3.region,
    ...(s3.endpoint ? { endpoint: s3.endpoint } : {}),
    forcePathStyle: s3.forcePathStyle,
    credentials: {
      accessKeyId: s3.accessKeyId.reveal(),
      secretAccessKey: s3.secretAccessKey.reveal(),
    },
    // S3-compatible stores (Ceph RGW 16) do not understand the SDK's default trailing
    // CRC checksums on streamed bodies; send checksums only where the API requires one.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
    // The SDK would print retry notes to the console; failures reach us as errors anyway.
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {} },
    requestHandler: {
      // A socket silent for this long fails the call (idle timeout); a long transfer that keeps
      // moving does not. (requestTimeout would only log a warning in @smithy/node-http-handler 4.)
      socketTimeout: timeoutMs,
      connectionTimeout: Math.min(timeoutMs, 10_000),
      httpAgent: new http.Agent(agentOptions),
      httpsAgent: new https.Agent(agentOptions),
    },
  });
}
