/**
 * Version-aware natural ordering of release folder names: "1.10" after "1.9", "2.0-rc1" before "2.0".
 * Pure functions, no I/O.
 */

const PRE_RELEASE = /^[-~._]?(alpha|beta|pre|preview|rc|dev|snapshot|a|b)/i;

function tokens(s: string): string[] {
  return s.match(/\d+|\D+/g) ?? [];
}

/**
 * Compares two version-like names in ascending order (negative if `a` is older).
 * Digit runs compare numerically; when one name is a prefix of the other, a pre-release
 * suffix (`-rc1`, `-beta`, `~alpha`) makes the longer one older, anything else newer.
 * @throws never
 */
export function compareVersions(a: string, b: string): number {
  const ta = tokens(a);
  const tb = tokens(b);
  const n = Math.min(ta.length, tb.length);
  for (let i = 0; i < n; i++) {
    const x = ta[i]!;
    const y = tb[i]!;
    if (x === y) continue;
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) {
      const d = BigInt(x) - BigInt(y);
      if (d !== 0n) return d < 0n ? -1 : 1;
      continue; // "01" vs "1": equal numbers, fall through to the next token
    }
    if (dx !== dy) {
      // "1.0" vs "1.0-rc": the pre-release text sorts before any continuation with digits.
      if (PRE_RELEASE.test(x)) return -1;
      if (PRE_RELEASE.test(y)) return 1;
    }
    return x < y ? -1 : 1;
  }
  if (ta.length === tb.length) return a < b ? -1 : a > b ? 1 : 0;
  const longer = ta.length > tb.length ? ta : tb;
  const rest = longer[n]!;
  const longerIsOlder = PRE_RELEASE.test(rest);
  const sign = longer === ta ? 1 : -1;
  return longerIsOlder ? -sign : sign;
}
