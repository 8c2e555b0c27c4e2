/**
 * SHA256SUMS and SHA512SUMS generated for a release from the recorded digests, in the format
 * `sha256sum -c` / `sha512sum -c` read (`<hex>  <name>`). A release folder that holds its own file
 * of that name keeps it (it is an item, served as uploaded and checked against our digests). Pure.
 */
import type { Release } from './types.ts';

/** Names of the generated checksum files and the digest each lists. */
export const GENERATED_SUMS = { SHA256SUMS: 'sha256', SHA512SUMS: 'sha512' } as const;
export type SumsName = keyof typeof GENERATED_SUMS;

/** True for a name a release may serve as a generated checksum file. @throws never */
export function isSumsName(name: string): name is SumsName {
  return Object.hasOwn(GENERATED_SUMS, name);
}

/**
 * The generated file `name` for `release`, or undefined when the release has its own file of that
 * name. Items whose digest is not known yet (background hashing) are left out until it is;
 * names holding a newline or backslash are escaped as GNU coreutils does. @throws never
 */
export function generatedSums(release: Release, name: SumsName): string | undefined {
  if (release.items.some((i) => i.name === name)) return undefined;
  const alg = GENERATED_SUMS[name];
  return release.items
    .filter((i) => !isSumsName(i.name) && i[alg])
    .map((i) => {
      const escaped = /[\\\n\r]/.test(i.name);
      const n = escaped ? i.name.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : i.name;
      return `${escaped ? '\\' : ''}${i[alg]}  ${n}\n`;
    })
    .join('');
}
