/**
 * Which releases and items the update feeds offer. Pure.
 *
 * Channels (electron-updater's convention, used by every feed): `latest` = newest stable release,
 * `beta` = newest of beta, rc and stable, `alpha` = newest of all. Releases come newest first (the
 * catalog's order); only visible ones (published, settled) are ever passed in.
 */
import { atLeast } from '../../catalog/maturity.ts';
import type { Item, Maturity, Platform, Release } from '../../catalog/types.ts';

/** An update channel. */
export type Channel = 'latest' | 'beta' | 'alpha';
export const CHANNELS: readonly Channel[] = ['latest', 'beta', 'alpha'];

const MIN: Record<Channel, Maturity> = { latest: 'stable', beta: 'beta', alpha: 'alpha' };

/** Parses a channel name (undefined/empty = latest). @returns undefined when unknown. @throws never */
export function parseChannel(v: string | undefined): Channel | undefined {
  if (v === undefined || v === '' || v === 'stable') return 'latest';
  return (CHANNELS as readonly string[]).includes(v) ? (v as Channel) : undefined;
}

/** The releases a channel offers, newest first. @throws never */
export function inChannel(releases: Release[], channel: Channel): Release[] {
  return releases.filter((r) => atLeast(r.maturity, MIN[channel]));
}

/** Items of a release for one platform whose digests are known (a feed never offers an unverifiable file). @throws never */
export function platformItems(r: Release, platform: Platform, accept: (i: Item) => boolean = () => true): Item[] {
  return r.items.filter((i) => i.platform === platform && i.sha512 !== undefined && accept(i));
}

/** The release notes as plain text (release.yaml Markdown, else CHANGELOG lines). @throws never */
export function notesText(r: Release): string {
  if (r.notesMarkdown) return r.notesMarkdown;
  return (r.notes ?? []).map((n) => `${n.kind === 'other' ? '' : `[${n.kind}] `}${n.text}`).join('\n');
}

/** Lowercase hex → base64 (electron-updater's sha512 form). @throws never */
export const hexToBase64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');

/** Where feeds link to: absolute URLs built by the route from the public origin, with the visitor's key. */
export interface FeedLinks {
  /** Absolute URL of a file of a release (/dl/…), carrying `?dlid=` or a signed-link query when the feed was reached with one. */
  file(r: Release, name: string): string;
  /** Absolute URL of a release's page. */
  page(r: Release): string;
  /** Absolute URL of the category's page. */
  category: string;
}
