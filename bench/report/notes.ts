/**
 * What bounds each missed target, as found by profiling (written after the full run). Keys are
 * parts of target texts; the report prints the note under a missed target.
 */
export const MISS_NOTES: [part: string, note: string][] = [];

/** The note for a target, or a default asking for analysis. */
export function noteFor(target: string): string | undefined {
  return MISS_NOTES.find(([p]) => target.includes(p))?.[1];
}
