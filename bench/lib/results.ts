/**
 * What measures hand to the report: figures (one per subject and quantity) and target checks.
 */

/** One measured figure, e.g. "1 GiB PUT, disk" / "nginx dav" = 439 MB/s. */
export interface Figure {
  section: string;
  subject: string;
  quantity: string;
  value: number | null;
  unit: string;
  /** Free text: e.g. the raw samples or why it is missing. */
  note?: string;
}

/** One target of the issue and how this run fared. */
export interface TargetCheck {
  section: string;
  target: string;
  /** What was measured, as text, e.g. "0.93× (ReleaseDAV 410 / nginx 440 MB/s)". */
  measured: string;
  /** true met, false missed, null could not be measured. */
  met: boolean | null;
  /** For a miss: what bounds it (filled by the measure or the report's notes). */
  note?: string;
}

/** Collects figures and targets over the whole run. */
export class Results {
  readonly figures: Figure[] = [];
  readonly targets: TargetCheck[] = [];
  readonly problems: string[] = [];

  /** Records a figure and prints it at once (long runs show progress). */
  add(f: Figure): void {
    this.figures.push(f);
    const v = f.value === null ? 'n/a' : f.value.toFixed(f.value >= 100 ? 0 : 2);
    console.log(`  · ${f.section} | ${f.subject} | ${f.quantity}: ${v} ${f.unit}${f.note ? `  (${f.note})` : ''}`);
  }

  /** Records a target check. */
  check(t: TargetCheck): void {
    this.targets.push(t);
    const mark = t.met === null ? '??' : t.met ? 'OK' : 'MISS';
    console.log(`  [${mark}] ${t.target}: ${t.measured}`);
  }

  /** Records a problem (a measure that could not run), shown in the report. */
  problem(text: string): void {
    this.problems.push(text);
    console.log(`  !! ${text}`);
  }

  /** The value of a recorded figure, or null. */
  value(section: string, subject: string, quantity: string): number | null {
    return this.figures.find((f) => f.section === section && f.subject === subject && f.quantity === quantity)?.value ?? null;
  }
}

/** Ratio a/b, null when either is missing or b is 0. */
export function ratio(a: number | null, b: number | null): number | null {
  return a === null || b === null || b === 0 ? null : a / b;
}
