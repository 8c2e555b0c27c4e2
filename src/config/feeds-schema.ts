/**
 * The `feeds:` section of a category: what the update feeds need that the storage cannot say.
 * Only Joomla needs anything: its extension manifest fields (what Akeeba Release System asks per
 * update stream). Part of the one config schema (src/config/schema.ts).
 */
import { z } from 'zod';

const joomla = z.strictObject({
  /** The extension's element, as in its manifest (`com_example`, `pkg_example`, `plg_system_x` → `x`). */
  element: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, 'a Joomla element is letters, digits, "_", "." or "-"'),
  type: z.enum(['component', 'module', 'plugin', 'template', 'library', 'package', 'file', 'language']).default('package'),
  client: z.enum(['site', 'administrator']).default('site'),
  /** Plugin group (`system`, `content`…); plugins only. */
  folder: z.string().regex(/^[a-z0-9_-]{1,50}$/).optional(),
  /** `<targetplatform name version>`: version is a regular expression Joomla matches against its own version. */
  targetplatform: z.strictObject({
    name: z.string().default('joomla'),
    version: z.string().default('.*'),
  }).prefault({}),
  /** `<php_minimum>`, e.g. "8.1". */
  phpMinimum: z.string().regex(/^\d+(\.\d+){0,2}$/).optional(),
  /** Extension name shown by Joomla (default: the category title). */
  name: z.string().optional(),
});

/** `categories[].feeds`. */
export const categoryFeeds = z.strictObject({
  /** Fields of the Joomla update XML (`/feeds/<category>/joomla.xml` answers 404 without them). */
  joomla: joomla.optional(),
});

/** The feeds settings of one category. */
export type CategoryFeeds = z.output<typeof categoryFeeds>;
export type JoomlaFeed = NonNullable<CategoryFeeds['joomla']>;
