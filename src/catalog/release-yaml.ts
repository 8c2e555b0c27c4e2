/**
 * `release.yaml`: optional per-release metadata (title, maturity, date, published, notes in Markdown,
 * Sparkle's build number and minimum system version, per-file platform/arch/EdDSA signature).
 * Validated with zod; a broken file is reported to the caller, who logs it and ignores it.
 */
import { parse } from 'yaml';
import { z } from 'zod';
import { ARCHES, MATURITIES, PLATFORMS, type Arch, type Maturity, type Platform } from './types.ts';

/** Largest release.yaml we read, bytes (a bigger one is treated as broken). */
export const RELEASE_YAML_MAX_BYTES = 256 * 1024;

const dateLike = z.union([z.string(), z.date()]).transform((v, ctx) => {
  const d = v instanceof Date ? v : new Date(v);
  if (Number.isNaN(d.getTime())) {
    ctx.addIssue({ code: 'custom', message: 'not a date (use YYYY-MM-DD or ISO 8601)' });
    return z.NEVER;
  }
  return d;
});

const schema = z.object({
  title: z.string().max(500).optional(),
  maturity: z.enum(MATURITIES as [Maturity, ...Maturity[]]).optional(),
  date: dateLike.optional(),
  published: z.boolean().default(true),
  notes: z.string().max(RELEASE_YAML_MAX_BYTES).optional(),
  /** Build number for Sparkle's `sparkle:version` when it differs from the folder name. */
  build: z.union([z.string(), z.number()]).transform(String).optional(),
  /** Sparkle's `sparkle:minimumSystemVersion`. */
  minimumSystemVersion: z.union([z.string(), z.number()]).transform(String).optional(),
  /** Per item: platform/arch overrides and Sparkle's EdDSA signature. */
  files: z.record(z.string(), z.strictObject({
    platform: z.enum(PLATFORMS as [Platform, ...Platform[]]).optional(),
    arch: z.enum(ARCHES as [Arch, ...Arch[]]).optional(),
    edSignature: z.string().regex(/^[A-Za-z0-9+/=]{40,200}$/, 'an EdDSA signature is base64 (sign_update prints it)').optional(),
  })).optional(),
});

/** The validated content of a release.yaml. */
export type ReleaseYaml = z.output<typeof schema>;

/** Result of {@link parseReleaseYaml}: the data, or a one-line reason it is broken. */
export type ReleaseYamlResult = { ok: true; value: ReleaseYaml } | { ok: false; error: string };

/** Parses and validates release.yaml text. An empty file is valid (all defaults). @throws never */
export function parseReleaseYaml(text: string): ReleaseYamlResult {
  let raw: unknown;
  try {
    raw = parse(text, { schema: 'yaml-1.1' }) ?? {};
  } catch (e) {
    return { ok: false, error: `YAML syntax error: ${String((e as Error).message).split('\n')[0]}` };
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    return { ok: false, error: `${i.path.join('.') || '(root)'}: ${i.message}` };
  }
  return { ok: true, value: r.data };
}
