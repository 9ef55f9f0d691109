/**
 * Names of the resources a run creates: one run id per step call, from the backend's clock, valid
 * for every SageMaker name pattern (`^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`).
 *
 * @module
 */

/**
 * `prefix-YYYYMMDDHHMMSS-xxxx` (UTC, from the given time, plus 4 random hex digits so that two runs
 * in one second do not collide).
 *
 * @example Usage
 * ```ts
 * import { runName } from "./names.ts";
 * import assert from "node:assert/strict";
 * assert.match(runName("lab", new Date("2026-11-25T13:00:00Z")), /^lab-20261125130000-[0-9a-f]{4}$/);
 * ```
 */
export function runName(prefix: string, now: Date): string {
  if (!/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,30}$/.test(prefix)) {
    throw new RangeError(
      `Cannot use name prefix "${prefix}": use up to 31 letters, digits and hyphens, starting and ending with a letter or digit`,
    );
  }
  const stamp = now.toISOString().replace(/[-:T]/g, "").slice(0, 14);
  const salt = crypto.getRandomValues(new Uint16Array(1))[0].toString(16).padStart(4, "0");
  return `${prefix}-${stamp}-${salt}`;
}
