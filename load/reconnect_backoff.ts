/**
 * How long a user waits before it tries again after a connection failure: 10 ms, doubling to at
 * most 1 s, and back to none after a success. Both engines use it, so a refusing server never
 * turns users into a busy loop on either transport.
 *
 * @module
 */

/** The first wait after a connection failure, ms. */
export const FIRST_BACKOFF_MS = 10;
/** The longest wait between attempts, ms. */
export const MAX_BACKOFF_MS = 1000;

/**
 * The wait after one more connection failure, given the wait after the previous one (0 when
 * the last attempt succeeded).
 *
 * @example Usage
 * ```ts
 * import { nextBackoffMs } from "./reconnect_backoff.ts";
 * import assert from "node:assert/strict";
 * assert.equal(nextBackoffMs(0), 10);
 * assert.equal(nextBackoffMs(10), 20);
 * assert.equal(nextBackoffMs(640), 1000);
 * assert.equal(nextBackoffMs(1000), 1000);
 * ```
 *
 * @param previousMs The wait after the previous failure, or 0.
 * @returns The wait before the next attempt, ms.
 */
export function nextBackoffMs(previousMs: number): number {
  return previousMs === 0 ? FIRST_BACKOFF_MS : Math.min(previousMs * 2, MAX_BACKOFF_MS);
}
