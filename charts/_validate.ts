// Input checks shared by the chart builders (private to charts/). They throw RangeError with a
// message that names the chart, the offending field and what to do.

/** The checks of one chart's input, each naming the chart in its message. */
export interface InputChecks {
  /** Throws unless `value` is a finite number. */
  finite(where: string, value: unknown): void;
  /** Throws unless `value` is undefined or a finite number. */
  optionalFinite(where: string, value: unknown): void;
  /** Throws unless `value` is a string that `Date` parses (an ISO 8601 time). */
  time(where: string, value: unknown): void;
  /** Throws when the list is empty. */
  nonEmpty(where: string, list: readonly unknown[]): void;
}

/**
 * The input checks for the chart called `chart` in messages ("Cannot chart the analysis: …").
 *
 * @example Usage
 * ```ts
 * import { inputChecks } from "./_validate.ts";
 * import assert from "node:assert/strict";
 * const check = inputChecks("the analysis");
 * check.finite("maxTps", 500);
 * assert.throws(() => check.finite("maxTps", NaN),
 *   /^RangeError: Cannot chart the analysis: maxTps is "NaN": pass a finite number$/);
 * ```
 */
export function inputChecks(chart: string): InputChecks {
  const finite = (where: string, value: unknown): void => {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new RangeError(
        `Cannot chart ${chart}: ${where} is "${String(value)}": pass a finite number`,
      );
    }
  };
  return {
    finite,
    optionalFinite(where, value) {
      if (value !== undefined) finite(where, value);
    },
    time(where, value) {
      if (typeof value !== "string" || Number.isNaN(Date.parse(value))) {
        throw new RangeError(
          `Cannot chart ${chart}: ${where} is "${String(value)}": pass an ISO 8601 time`,
        );
      }
    },
    nonEmpty(where, list) {
      if (list.length === 0) {
        throw new RangeError(`Cannot chart ${chart}: ${where} is empty: pass at least one point`);
      }
    },
  };
}
