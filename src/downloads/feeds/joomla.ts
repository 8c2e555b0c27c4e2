/**
 * Joomla extension update XML (what Akeeba Release System's update streams emit): `<updates>` with
 * one `<update>` per installable archive of each release, newest first. Pure.
 */
import type { JoomlaFeed } from '../../config/feeds-schema.ts';
import type { Item, Release } from '../../catalog/types.ts';
import { xmlEscape } from './xml.ts';
import type { FeedLinks } from './select.ts';

/** Joomla's `format` of an archive, from its name; undefined for anything Joomla cannot install. @throws never */
export function joomlaFormat(name: string): string | undefined {
  const n = name.toLowerCase();
  if (n.endsWith('.zip')) return 'zip';
  if (n.endsWith('.tar.gz') || n.endsWith('.tgz')) return 'tgz';
  if (n.endsWith('.tar.bz2') || n.endsWith('.tbz2')) return 'tbz2';
  if (n.endsWith('.tar')) return 'tar';
  return undefined;
}

/** Joomla's stability tag for a maturity (Joomla knows dev, alpha, beta, rc, stable). */
const TAG = { alpha: 'alpha', beta: 'beta', rc: 'rc', stable: 'stable' } as const;

/**
 * Renders the update XML for `releases` (visible, newest first): one `<update>` per platform-neutral
 * archive (an app's `-mac.zip` or `-win.zip` is not a Joomla extension). Items without an archive
 * format or without known digests are left out. @throws never
 */
export function joomlaXml(j: JoomlaFeed, title: string, description: string, releases: Release[], links: FeedLinks, limit = 50): string {
  const out: string[] = ['<?xml version="1.0" encoding="utf-8"?>\n<updates>\n'];
  for (const r of releases.slice(0, limit)) {
    for (const item of r.items.filter((i: Item) => !i.platform && joomlaFormat(i.name) && i.sha256 && i.sha384 && i.sha512)) {
      const e = xmlEscape;
      out.push('  <update>\n',
        `    <name>${e(j.name ?? title)}</name>\n`,
        `    <description>${e(description || `${j.name ?? title} ${r.version}`)}</description>\n`,
        `    <element>${e(j.element)}</element>\n`,
        `    <type>${e(j.type)}</type>\n`,
        `    <client>${e(j.client)}</client>\n`,
        j.folder ? `    <folder>${e(j.folder)}</folder>\n` : '',
        `    <version>${e(r.version)}</version>\n`,
        `    <creationDate>${r.date.toISOString().slice(0, 10)}</creationDate>\n`,
        `    <infourl title="${e(`${j.name ?? title} ${r.version}`)}">${e(links.page(r))}</infourl>\n`,
        '    <downloads>\n',
        `      <downloadurl type="full" format="${joomlaFormat(item.name)}">${e(links.file(r, item.name))}</downloadurl>\n`,
        '    </downloads>\n',
        `    <tags>\n      <tag>${TAG[r.maturity]}</tag>\n    </tags>\n`,
        `    <targetplatform name="${e(j.targetplatform.name)}" version="${e(j.targetplatform.version)}"/>\n`,
        j.phpMinimum ? `    <php_minimum>${e(j.phpMinimum)}</php_minimum>\n` : '',
        `    <sha256>${item.sha256}</sha256>\n`,
        `    <sha384>${item.sha384}</sha384>\n`,
        `    <sha512>${item.sha512}</sha512>\n`,
        '  </update>\n');
    }
  }
  out.push('</updates>\n');
  return out.join('');
}
