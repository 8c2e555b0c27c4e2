/**
 * Real clients through two daemons behind a real HAProxy (round robin per request, no stickiness)
 * over one folder, one bucket prefix and one real Redis, on a local and an S3 category: the Finder
 * and Windows (Mini-Redirector) save sequences (the steps of test/helpers/client-sequences.ts,
 * shared with the single-daemon test), the npm `webdav` client round trip, and rclone's round trip
 * (copy up, lsjson, copy down, compare byte for byte, purge). Each test also checks that both
 * instances answered part of the sequence.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'webdav';
import { finderSave, npmWebdavRoundTrip, sendTo, windowsSave } from '../helpers/client-sequences.ts';
import { skipUnlessS3Can } from '../helpers/s3-capabilities.ts';
import { skipUnlessS3 } from '../helpers/s3env.ts';
import { BALANCED_SKIP_REASON, startBalancedPair, type BalancedPair } from './balanced.ts';
import type { Instance } from './instances.ts';

const RCLONE = '/usr/bin/rclone';
const NAMES = ['a b', 'x#y', 'p%q', 'q?r', 'amp&er', 'plus+', "it's", '[br]', 'caf\u00e9', 'Cafe\u0301 nfd', '\u{1F680} rocket', '~tilde', 'comma,'];

/** WebDAV requests each instance has logged so far. */
const served = (i: Instance) => i.lines.filter((l) => l.msg === 'webdav request').length;

/** Relative path → bytes of every file under `dir`. */
function tree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

describe('real clients through HAProxy in front of two instances', { skip: BALANCED_SKIP_REASON || undefined }, () => {
  let pair: BalancedPair;
  let work: string;
  before(async () => {
    pair = await startBalancedPair('lb-clients:');
    work = mkdtempSync(join(tmpdir(), 'rdav-lb-clients-'));
  });
  after(async () => {
    await pair?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** Runs `fn` and asserts both instances answered some of its requests. */
  const onBoth = async (fn: () => Promise<void>) => {
    const before = [served(pair.a), served(pair.b)];
    await fn();
    assert.ok(served(pair.a) > before[0]! && served(pair.b) > before[1]!, `both instances served requests (A ${served(pair.a) - before[0]!}, B ${served(pair.b) - before[1]!})`);
  };

  for (const c of ['files', 's3']) {
    const kind = c === 'files' ? 'local' : 'S3';
    const s3Skip = c === 's3' ? skipUnlessS3() : false;

    it(`Finder save sequence (${kind})`, { skip: s3Skip }, () => onBoth(() => finderSave(sendTo(pair.lb.url), `/${c}`)));

    it(`Windows Mini-Redirector save sequence (${kind})`, { skip: s3Skip }, () => onBoth(() => windowsSave(sendTo(pair.lb.url), `/${c}`)));

    // Within S3 the client's COPY is a CopyObject of 'one #1.bin'.
    it(`npm webdav client round trip (${kind})`, { skip: c === 's3' ? s3Skip || skipUnlessS3Can('copySourceDecoding') : false }, () =>
      onBoth(() => npmWebdavRoundTrip(createClient(`${pair.lb.url}/${c}`), 300_000)));

    it(`rclone round trip: copy up, lsjson, copy down, compare, purge (${kind})`, { skip: (existsSync(RCLONE) ? false : 'rclone is not installed (apt-get install rclone)') || s3Skip, timeout: 300_000 }, () => onBoth(async () => {
      const src = join(work, `${c}-src`);
      const down = join(work, `${c}-down`);
      for (let i = 0; i < 40; i++) {
        const dir = join(src, `d${i % 4} ${NAMES[i % NAMES.length]}`);
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, `${i} ${NAMES[(i * 5) % NAMES.length]}.txt`), randomBytes(i * 37));
      }
      writeFileSync(join(src, 'big one.bin'), randomBytes(12 * 1024 * 1024));
      const env = { ...process.env, RCLONE_CONFIG: '/dev/null', RCLONE_CONFIG_LB_TYPE: 'webdav', RCLONE_CONFIG_LB_URL: `${pair.lb.url}/`, RCLONE_CONFIG_LB_VENDOR: 'other' };
      const rclone = (...args: string[]) => new Promise<{ code: number; out: string }>((resolve) => {
        execFile(RCLONE, [...args, '--low-level-retries', '1', '--retries', '1'], { env, timeout: 240_000, maxBuffer: 16 << 20 }, (err, so, se) =>
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: String(so) + String(se) }));
      });
      const up = await rclone('copy', src, `lb:${c}/tree`, '--transfers', '4');
      assert.equal(up.code, 0, up.out.slice(-3000));
      const ls = await rclone('lsjson', '-R', '--files-only', `lb:${c}/tree`);
      assert.equal(ls.code, 0, ls.out.slice(-3000));
      const listed = new Map((JSON.parse(ls.out) as { Path: string; Size: number }[]).map((f) => [f.Path.normalize('NFC'), f.Size]));
      const local = tree(src);
      assert.deepEqual([...listed.entries()].sort(), [...local.entries()].map(([p, b]) => [p.normalize('NFC'), b.length] as [string, number]).sort());
      const dl = await rclone('copy', `lb:${c}/tree`, down, '--transfers', '4');
      assert.equal(dl.code, 0, dl.out.slice(-3000));
      const got = tree(down);
      assert.equal(got.size, local.size);
      for (const [p, bytes] of local) assert.ok(got.get(p)?.equals(bytes), `${p} came back byte for byte`);
      const purge = await rclone('purge', `lb:${c}/tree`);
      assert.equal(purge.code, 0, purge.out);
      for (let i = 0; i < 2; i++) {
        const r = await sendTo(pair.lb.url)('PROPFIND', `/${c}/tree/`, { headers: { Depth: '0' } });
        assert.equal(r.status, 404, 'gone on both instances');
      }
    }));
  }
});
