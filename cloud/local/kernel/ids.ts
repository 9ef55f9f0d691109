/**
 * Ids that sort in the order they were made: the store keys of records made in the same
 * millisecond (alarm history items, scaling activities) end with one of these.
 *
 * @module
 */

/**
 * Makes sequence ids: a counter of this runtime, then a random tag so that two processes (or
 * two runtimes) sharing the store never collide; their relative order within a millisecond is
 * moot.
 *
 * @example Usage
 * ```ts
 * import { SequenceIds } from "./ids.ts";
 * import assert from "node:assert/strict";
 * const ids = new SequenceIds();
 * const a = ids.next();
 * const b = ids.next();
 * assert.ok(a < b);
 * assert.match(a, /^000000000001-[0-9a-f]{8}$/);
 * ```
 */
export class SequenceIds {
  #count = 0;

  /** The next id: the counter, 12 digits, a dash, 8 random hex digits. */
  next(): string {
    this.#count++;
    return `${String(this.#count).padStart(12, "0")}-${crypto.randomUUID().slice(0, 8)}`;
  }
}
