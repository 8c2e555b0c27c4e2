/**
 * PROPPATCH (RFC 4918 §9.2): instructions applied in document order, all or nothing.
 * A failing property gets its status, every other one 424 Failed Dependency, nothing is stored.
 */
import { announceChange } from '../../vfs/mount.ts';
import { VfsError } from '../../vfs/errors.ts';
import type { DavContext, DavHandler } from '../context.ts';
import { DAV_NS, elements, isElement, textOf, type XmlElement } from '../xml/parse.ts';
import { serializeElement, XML_NS } from '../xml/write.ts';
import { propNameElement, propstatResponse, sendMultistatus, type PropstatGroup } from '../xml/multistatus.ts';
import { assertUnlocked } from '../locks/enforce.ts';
import { classifyProp, parseClientTime } from '../props/live-props.ts';
import { propKey } from '../props/dead-props.ts';

/** One set/remove instruction for one property. */
interface PatchOp { kind: 'set' | 'remove'; el: XmlElement; status?: number; condition?: string; time?: Date }

const langOf = (el: XmlElement) => el.attrs.find((a) => a.ns === XML_NS && a.local === 'lang')?.value;

/**
 * Reads the instructions in document order. An inherited xml:lang (on DAV:set or DAV:prop) is
 * copied onto the property so the stored value keeps its language.
 * @throws VfsError EINVAL if the body is not a DAV:propertyupdate of set/remove/prop.
 */
function readOps(root: XmlElement | null): PatchOp[] {
  if (!root || !isElement(root, DAV_NS, 'propertyupdate')) throw new VfsError('EINVAL', 'PROPPATCH needs a DAV:propertyupdate body');
  const ops: PatchOp[] = [];
  for (const instr of elements(root)) {
    if (instr.ns !== DAV_NS || (instr.local !== 'set' && instr.local !== 'remove')) continue;
    for (const prop of elements(instr)) {
      if (!isElement(prop, DAV_NS, 'prop')) continue;
      const inherited = langOf(prop) ?? langOf(instr) ?? langOf(root);
      for (const el of elements(prop)) {
        const withLang = inherited !== undefined && langOf(el) === undefined
          ? { ...el, attrs: [...el.attrs, { ns: XML_NS, local: 'lang', value: inherited }] }
          : el;
        ops.push({ kind: instr.local, el: withLang });
      }
    }
  }
  if (!ops.length) throw new VfsError('EINVAL', 'PROPPATCH without any property');
  return ops;
}

/** Marks the ops that cannot be applied (protected, bad time values). */
function validate(ops: PatchOp[]): void {
  for (const op of ops) {
    const cls = classifyProp(op.el.ns, op.el.local);
    if (cls === 'protected') {
      op.status = 403;
      op.condition = 'cannot-modify-protected-property';
    } else if (cls !== 'dead' && op.kind === 'set') {
      const t = parseClientTime(textOf(op.el));
      if (t) op.time = t;
      else op.status = 409;
    }
  }
}

/** Groups the ops' names by status for the multistatus answer (each name once, last status wins). */
function groups(ops: PatchOp[], failed: boolean): PropstatGroup[] {
  const byName = new Map<string, { ns: string; local: string; status: number; condition?: string }>();
  for (const op of ops) {
    const status = op.status ?? (failed ? 424 : 200);
    byName.set(propKey(op.el.ns, op.el.local), { ns: op.el.ns, local: op.el.local, status, condition: op.condition });
  }
  const out = new Map<string, PropstatGroup>();
  for (const p of byName.values()) {
    const k = `${p.status} ${p.condition ?? ''}`;
    let g = out.get(k);
    if (!g) { g = { status: p.status, props: [], condition: p.condition }; out.set(k, g); }
    g.props.push(propNameElement(p.ns, p.local));
  }
  return [...out.values()];
}

/**
 * PROPPATCH handler. @throws VfsError EACCES (no write permission / the root), ENOENT,
 * ELOCKED (locked without token), EINVAL (bad body), EIO (sidecar store failed).
 */
export const handleProppatch: DavHandler = async (ctx: DavContext) => {
  const { mount, path, href } = ctx.target;
  if (!mount) throw new VfsError('EACCES', 'the root has no properties to change');
  const slug = mount.category.slug;
  if (!ctx.can(slug, 'write')) throw new VfsError('EACCES', 'no write permission');
  const entry = await mount.backend.stat(path);
  await assertUnlocked(ctx, slug, path);
  const ops = readOps(await ctx.readXml());
  validate(ops);
  const failed = ops.some((o) => o.status !== undefined);
  if (!failed) {
    const meta = await mount.meta.get(path, entry);
    const props = { ...(meta?.props ?? {}) };
    let mtime = meta?.mtime;
    for (const op of ops) {
      const cls = classifyProp(op.el.ns, op.el.local);
      if (cls === 'mtime' || cls === 'mtime+dead') mtime = op.kind === 'set' ? op.time!.toISOString() : undefined;
      if (cls === 'dead' || cls === 'mtime+dead') {
        const key = propKey(op.el.ns, op.el.local);
        if (op.kind === 'set') props[key] = serializeElement(op.el);
        else delete props[key];
      }
    }
    const next: { sha256?: string; sha384?: string; sha512?: string; mtime?: string; props?: Record<string, string> } = {};
    if (meta?.sha256) next.sha256 = meta.sha256;
    if (meta?.sha384) next.sha384 = meta.sha384;
    if (meta?.sha512) next.sha512 = meta.sha512;
    if (mtime) next.mtime = mtime;
    if (Object.keys(props).length) next.props = props;
    await mount.meta.put(path, entry, next);
    await announceChange(ctx.bus, { category: slug, path, op: 'props' });
  }
  sendMultistatus(ctx.res, [propstatResponse(href, groups(ops, failed))]);
};
