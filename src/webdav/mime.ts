/** Content types by file extension for the files software releases consist of. */

const TYPES: Record<string, string> = {
  txt: 'text/plain; charset=utf-8', md: 'text/markdown; charset=utf-8', html: 'text/html; charset=utf-8', htm: 'text/html; charset=utf-8',
  css: 'text/css', js: 'text/javascript', json: 'application/json', xml: 'application/xml', yaml: 'application/yaml', yml: 'application/yaml',
  csv: 'text/csv', pdf: 'application/pdf', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', svg: 'image/svg+xml',
  webp: 'image/webp', ico: 'image/vnd.microsoft.icon', zip: 'application/zip', gz: 'application/gzip', tgz: 'application/gzip',
  bz2: 'application/x-bzip2', xz: 'application/x-xz', zst: 'application/zstd', '7z': 'application/x-7z-compressed', tar: 'application/x-tar',
  rar: 'application/vnd.rar', exe: 'application/vnd.microsoft.portable-executable', msi: 'application/x-msi', dmg: 'application/x-apple-diskimage',
  pkg: 'application/octet-stream', deb: 'application/vnd.debian.binary-package', rpm: 'application/x-rpm', apk: 'application/vnd.android.package-archive',
  jar: 'application/java-archive', iso: 'application/x-iso9660-image', img: 'application/octet-stream', appimage: 'application/x-executable',
  sig: 'application/pgp-signature', asc: 'application/pgp-signature', sha256: 'text/plain; charset=utf-8', mp4: 'video/mp4', mp3: 'audio/mpeg',
  wasm: 'application/wasm',
};

/** Content type for a file name (application/octet-stream when unknown). @throws never */
export function contentTypeFor(name: string): string {
  const dot = name.lastIndexOf('.');
  if (dot < 0) return 'application/octet-stream';
  return TYPES[name.slice(dot + 1).toLowerCase()] ?? 'application/octet-stream';
}
