/** Release notes from CHANGELOG files (bleeding-edge categories). Pure. */
import type { NoteKind, NoteLine } from '../types.ts';

const KINDS: Record<string, NoteKind> = { '+': 'added', '-': 'removed', '#': 'fixed', '~': 'minor', '!': 'important' };

/** The non-empty lines of a CHANGELOG, trimmed, without BOM; CRLF and CR line ends accepted. */
function meaningfulLines(text: string): string[] {
  return text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/).map((l) => l.trim()).filter((l) => l !== '');
}

/** One CHANGELOG line as a note: its first character gives the kind, which is then dropped from the text. */
export function noteFromLine(line: string): NoteLine {
  const trimmed = line.trim();
  const kind = KINDS[trimmed[0] ?? ''];
  if (!kind) return { kind: 'other', text: trimmed };
  return { kind, text: trimmed.slice(1).trim() };
}

/**
 * The notes of a release: the lines of `current` that `previous` (the next older release's
 * CHANGELOG) did not have, in the order of `current`, each once. Lines compare trimmed, so
 * re-indenting or CRLF/LF changes are not news. Without a previous CHANGELOG (a first release,
 * or an older one without CHANGELOG) the whole of `current` is the notes. @throws never
 */
export function changelogNotes(previous: string | undefined, current: string): NoteLine[] {
  const old = new Set(previous === undefined ? [] : meaningfulLines(previous));
  const seen = new Set<string>();
  const out: NoteLine[] = [];
  for (const line of meaningfulLines(current)) {
    if (old.has(line) || seen.has(line)) continue;
    seen.add(line);
    out.push(noteFromLine(line));
  }
  return out;
}
