/**
 * Loads the YAML config: `${ENV_VAR}` substitution, `<key>File:` secret files, schema validation.
 * Every failure is one {@link ConfigError} whose message names the file, line and key.
 */
import { readFileSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { configSchema, type Config } from './schema.ts';

/** The embedded default config shipped with the package. */
export const DEFAULT_CONFIG_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '../../config/default.yaml');

/** A configuration problem, with a message fit to print as is (file:line: key: what is wrong). */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** A loaded config plus where it came from (relative paths resolve against the process cwd). */
export interface LoadedConfig { config: Config; file: string }

/**
 * Reads and validates a config file.
 * @throws ConfigError for unreadable files, YAML syntax errors, unknown/missing/invalid keys,
 *   unset environment variables and unreadable secret files.
 */
export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`${file}: cannot read the config file (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return { config: parseConfig(text, file, env), file };
}

/**
 * Validates config text. `file` only labels messages and resolves relative `*File:` paths.
 * @throws ConfigError
 */
export function parseConfig(text: string, file = '<config>', env: NodeJS.ProcessEnv = process.env): Config {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const lineOf = (offset: number | undefined) => (offset === undefined ? '?' : String(lc.linePos(offset).line));
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new ConfigError(`${file}:${lineOf(e.pos[0])}: YAML syntax error: ${e.message.split('\n')[0]}`);
  }
  const at = (path: (string | number)[]): string => {
    const node = nodeAt(doc, path);
    return `${file}:${lineOf(node?.range?.[0])}`;
  };
  resolveSecretsAndEnv(doc, [], doc.contents as Node | null, env, dirname(file), at);
  const raw = doc.toJS() ?? {};
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    // A typo'd key explains a "missing" one: report unknown keys first.
    const issue = parsed.error.issues.find((i) => i.code === 'unrecognized_keys') ?? parsed.error.issues[0]!;
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    const key = path.length ? path.join('.') : '(top level)';
    let msg = issue.message;
    if (issue.code === 'unrecognized_keys') msg = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) msg = 'is required';
    const where = issue.code === 'unrecognized_keys' ? at([...path, issue.keys[0]!]) : at(path);
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problem${parsed.error.issues.length > 2 ? 's' : ''})` : '';
    throw new ConfigError(`${where}: ${key}: ${msg}${more}`);
  }
  return parsed.data;
}

/** The deepest existing node along `path` (so a missing key points at its parent). */
function nodeAt(doc: Document, path: (string | number)[]): Node | undefined {
  let node: Node | undefined = doc.contents as Node | undefined;
  for (const k of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === k);
      if (!pair) return node;
      node = (pair.value as Node | null) ?? (pair.key as Node);
    } else if (isSeq(node) && typeof k === 'number') {
      const next = node.items[k] as Node | undefined;
      if (!next) return node;
      node = next;
    } else return node;
  }
  return node;
}

/** `${VAR}` in any string scalar; `fooFile: path` becomes `foo: <file contents, trimmed>`. */
function resolveSecretsAndEnv(
  doc: Document, path: (string | number)[], node: Node | null, env: NodeJS.ProcessEnv, baseDir: string,
  at: (p: (string | number)[]) => string,
): void {
  if (isMap(node)) {
    for (const pair of [...node.items]) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      const childPath = [...path, key];
      resolveSecretsAndEnv(doc, childPath, pair.value as Node | null, env, baseDir, at);
      if (key.endsWith('File') && key.length > 4 && isScalar(pair.value) && typeof pair.value.value === 'string') {
        const target = key.slice(0, -4);
        if (node.has(target)) throw new ConfigError(`${at(childPath)}: ${childPath.join('.')}: give either ${target} or ${key}, not both`);
        const p = resolve(baseDir, pair.value.value);
        let content: string;
        try {
          content = readFileSync(p, 'utf8').trim();
        } catch (e) {
          throw new ConfigError(`${at(childPath)}: ${childPath.join('.')}: cannot read ${p} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
        }
        const scalar = doc.createNode(content) as Node;
        scalar.range = pair.value.range;
        node.delete(key);
        node.set(doc.createNode(target), scalar);
        const added = node.items[node.items.length - 1]!;
        if (isScalar(added.key)) added.key.range = (pair.key as Node).range;
      }
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => resolveSecretsAndEnv(doc, [...path, i], item as Node, env, baseDir, at));
  } else if (isScalar(node) && typeof node.value === 'string' && node.value.includes('${')) {
    node.value = node.value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_m, name: string, def?: string) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (def !== undefined) return def;
      throw new ConfigError(`${at(path)}: ${path.join('.')}: environment variable ${name} is not set`);
    });
  }
}
