/**
 * A secret value (S3 keys, link-signing secrets). It prints as `[redacted]` everywhere:
 * string conversion, JSON, util.inspect, so a logged config never leaks it. Read it with `reveal()`.
 */
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

export class Secret {
  readonly #value: string;
  constructor(value: string) { this.#value = value; }
  /** The real value; pass it only to the component that needs it. */
  reveal(): string { return this.#value; }
  toString(): string { return '[redacted]'; }
  toJSON(): string { return '[redacted]'; }
  [INSPECT](): string { return 'Secret([redacted])'; }
}
