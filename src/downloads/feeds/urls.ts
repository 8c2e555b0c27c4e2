/** The feed URLs of a category, as the category page and the API list them. Pure. */
import type { CategoryConfig } from '../../config/schema.ts';
import { encodeUrlPath } from '../../vfs/path.ts';

/** Absolute feed URLs of one category (`base` = public origin without a trailing slash). */
export interface FeedUrls {
  /** Present only when the category has Joomla fields configured. */
  joomla?: string;
  /** The folder electron-updater's generic provider is given (`latest.yml`, `beta-mac.yml`… inside). */
  electron: string;
  appcast: string;
  tauriStatic: string;
  /** Tauri's dynamic endpoint with its placeholders, as tauri.conf.json takes it. */
  tauriDynamic: string;
}

/** @throws never */
export function feedUrls(cat: CategoryConfig, base: string): FeedUrls {
  const root = `${base}/feeds/${encodeUrlPath(cat.slug)}`;
  return {
    ...(cat.feeds.joomla ? { joomla: `${root}/joomla.xml` } : {}),
    electron: `${root}/electron/`,
    appcast: `${root}/appcast.xml`,
    tauriStatic: `${root}/tauri/latest.json`,
    tauriDynamic: `${root}/tauri/{{target}}/{{arch}}/{{current_version}}`,
  };
}
