/**
 * Properties for the core engineer's PROPFIND (and everything else that reads them).
 *
 * For PROPFIND:
 * - `deadPropsXml(meta, wanted?)`: `meta` = `await mount.meta.get(path, entry)`. With `wanted`
 *   undefined (allprop) it returns every dead property as a complete XML element; with `wanted`
 *   (prop request) it returns the stored ones in `found` and the rest in `missing` (answer those
 *   404 unless you serve them as live properties). Each found string is self-contained
 *   (`<ns0:foo xmlns:ns0="urn:x">value</ns0:foo>`): paste it inside `<D:prop>` as is.
 * - `deadPropNames(meta)`: names for `propname`; write each with `propNameElement(ns, local)` from
 *   ../xml/multistatus.ts.
 * - getlastmodified: report `meta.mtime` (set by PROPPATCH getlastmodified/Win32LastModifiedTime)
 *   when present, else the entry's mtime. The Win32* properties come back as dead properties.
 * - Protected live names: `PROTECTED_DAV_PROPS`.
 */
export { deadPropsXml, deadPropNames, propKey, parsePropKey, type PropName } from './dead-props.ts';
export { classifyProp, parseClientTime, PROTECTED_DAV_PROPS, WIN32_NS, WIN32_PROPS } from './live-props.ts';
