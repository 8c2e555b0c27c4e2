/**
 * PROPFIND bodies parsed once: clients send the same few bodies over and over (empty, allprop,
 * one fixed prop list), so the parsed request is kept by the exact body text in a small bounded
 * cache and parsing (the XML parser is a large part of a Depth 0 PROPFIND) runs once per text.
 * Bodies that fail to parse are never cached: each one is parsed again and refused again.
 */
import { parseXml } from '../xml/parse.ts';
import { parsePropfind, type PropfindRequest } from './request.ts';
import { compileRenderer, type ResponseRenderer } from './render.ts';

/** Most distinct bodies remembered. */
const MAX_ENTRIES = 128;
/** Longest body text remembered (longer ones are parsed every time). */
const MAX_TEXT = 4096;

/** A parsed request and its compiled renderer; shared by every request with the same body, never mutated. */
export interface ParsedPropfind { request: PropfindRequest; render: ResponseRenderer }

const EMPTY: ParsedPropfind = freeze(parsePropfind(null));
const byText = new Map<string, ParsedPropfind>();

function freeze(request: PropfindRequest): ParsedPropfind {
  return Object.freeze({ request, render: compileRenderer(request) });
}

/**
 * The request a PROPFIND body asks for ("" = allprop), with its renderer.
 * @throws VfsError EINVAL for malformed XML (400), DavHttpError 400 for a body that is not a valid DAV:propfind
 */
export function propfindFromBody(text: string): ParsedPropfind {
  if (text.length === 0) return EMPTY;
  const hit = byText.get(text);
  if (hit) return hit;
  const parsed = freeze(parsePropfind(parseXml(text)));
  if (text.length <= MAX_TEXT) {
    if (byText.size >= MAX_ENTRIES) byText.delete(byText.keys().next().value!);
    byText.set(text, parsed);
  }
  return parsed;
}
