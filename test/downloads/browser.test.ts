/**
 * The visitor's path in headless Chromium: categories → release → item → download click, for a
 * disk category (streamed) and an S3 category (302 to RGW). Screenshots go to test-artifacts/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createS3Backend } from '../../src/backends/s3.ts';
import { createS3Client } from '../../src/backends/s3-client.ts';
import type { Mount } from '../../src/vfs/mount.ts';
import { createMountTable } from '../../src/vfs/mount-table.ts';
import { writeWithMeta } from '../../src/vfs/files.ts';
import { s3TestEnv, uniquePrefix } from '../helpers/s3env.ts';
import { captureLogger, config, localState, put, tempDir } from '../catalog/helpers.ts';
import { startServer, type Running } from './helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (apt-get install -y chromium)`;
const ARTIFACTS = 'test-artifacts/downloads';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
let browser: Browser;
let srv: Running;
let s3Mount: Mount | undefined;

before(async () => {
  if (skip) return;
  await mkdir(ARTIFACTS, { recursive: true });
  const disk = await tempDir('br-disk');
  await put(disk, '3.1/tool-3.1.tar.gz', 'disk bytes for the browser');
  await put(disk, '3.1/release.yaml', 'title: Browser test\nmaturity: rc\nnotes: "Fixed **everything**."\n');
  const env = s3TestEnv();
  const prefix = uniquePrefix('browser');
  const cfg = config({
    ...(env ? { storage: { s3: { bucket: env.bucket, region: 'default', endpoint: env.endpoint, forcePathStyle: true, accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey } } } : {}),
    categories: [
      { slug: 'tools', title: 'Tools', description: 'Disk category', directory: disk },
      ...(env ? [{ slug: 'cloud', title: 'Cloud', description: 'S3 category', directory: `s3://${prefix}cloud` }] : []),
    ],
  });
  const state = localState(cfg, { tools: disk });
  if (env) {
    const s3 = cfg.storage.s3!;
    const client = createS3Client(s3);
    const { log } = captureLogger('silent');
    const mounts = createMountTable(cfg, { log, s3: { client, createBackend: ({ prefix: p }) => createS3Backend({ client, bucket: s3.bucket, prefix: p, s3, log }) } });
    s3Mount = mounts.get('cloud')!;
    await s3Mount.backend.mkdir('7.0').catch(() => undefined);
    await writeWithMeta(s3Mount, '7.0/cloud-7.0.bin', Readable.from([Buffer.from('s3 bytes for the browser')]), { size: 24 });
    (state.mounts as Map<string, Mount>).set('cloud', s3Mount);
  }
  srv = await startServer(state);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
});
after(async () => {
  if (skip) return;
  await browser?.close();
  await srv?.stop();
  await s3Mount?.backend.remove('7.0', { recursive: true }).catch(() => undefined);
});

async function walk(page: Page, category: string, release: string, file: string, shot: string): Promise<Buffer> {
  await page.goto(`${srv.base}/`);
  await page.screenshot({ path: `${ARTIFACTS}/${shot}-1-categories.png`, fullPage: true });
  await page.getByRole('link', { name: category }).click();
  await page.waitForURL(/\/[a-z]+\/$/);
  await page.screenshot({ path: `${ARTIFACTS}/${shot}-2-releases.png`, fullPage: true });
  await page.getByRole('link', { name: release, exact: true }).click();
  await page.waitForURL(new RegExp(`/${release.replace('.', '\\.')}/$`));
  await page.screenshot({ path: `${ARTIFACTS}/${shot}-3-release.png`, fullPage: true });
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: `Download ${file}` }).click()]);
  assert.equal(download.suggestedFilename(), file);
  const path = await download.path();
  return readFile(path);
}

test('disk category: browse and download in Chromium', { skip }, async () => {
  const ctx = await browser.newContext({ acceptDownloads: true });
  const page = await ctx.newPage();
  const got = await walk(page, 'Tools', '3.1', 'tool-3.1.tar.gz', 'disk');
  assert.equal(got.toString(), 'disk bytes for the browser');
  await ctx.close();
});

test('S3 category: the download follows the 302 to RGW', { skip: skip || (s3TestEnv() ? false : 'no test S3 configured (RDAV_TEST_S3_*)') }, async () => {
  const ctx = await browser.newContext({ acceptDownloads: true });
  const page = await ctx.newPage();
  const got = await walk(page, 'Cloud', '7.0', 'cloud-7.0.bin', 's3');
  assert.equal(got.toString(), 's3 bytes for the browser');
  await ctx.close();
});
