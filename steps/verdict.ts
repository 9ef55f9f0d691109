/**
 * How an evaluation's verdict reads: passed or failed, with the margin between the peak minute and
 * the expectation, for the walkthrough's table, `evaluate`'s output, the chart captions and the
 * notebook's story.
 *
 * @module
 */
import type { EvaluateResult } from "./types.ts";

/** What {@linkcode verdictText} reads from an evaluation. */
export type VerdictInput = Pick<
  EvaluateResult,
  "passed" | "maxInvocationsRealized" | "expectation" | "minutesToExpectation"
>;

/**
 * The verdict with its margin: how far the peak minute was from the expectation, so that a pass
 * by 1 % and a pass by 40 % read differently ("passed: 41,200 of 30,000 expected, +37 %").
 *
 * @example Usage
 * ```ts
 * import { verdictText } from "./verdict.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   verdictText({ passed: true, maxInvocationsRealized: 41_200, expectation: 30_000, minutesToExpectation: 12 }),
 *   "passed: 41,200 of 30,000 expected, +37 %",
 * );
 * assert.equal(
 *   verdictText({ passed: false, maxInvocationsRealized: 28_500, expectation: 30_000, minutesToExpectation: null }),
 *   "failed: 28,500 of 30,000 expected, -5 %",
 * );
 * ```
 */
export function verdictText(e: VerdictInput): string {
  const margin = verdictMargin(e);
  const sign = margin > 0 ? "+" : margin < 0 ? "-" : "±";
  // Reached but failed: a latency or error limit was broken on the way (the reasons say which).
  const why = e.passed || e.minutesToExpectation === null ? "" : ", but a limit was broken";
  return `${e.passed ? "passed" : "failed"}: ${fmt(e.maxInvocationsRealized)} of ${
    fmt(e.expectation)
  } expected, ${sign}${Math.abs(margin)} %${why}`;
}

/**
 * The peak minute's distance from the expectation, in whole % of the expectation (positive above).
 *
 * @example Usage
 * ```ts
 * import { verdictMargin } from "./verdict.ts";
 * import assert from "node:assert/strict";
 * assert.equal(verdictMargin({ maxInvocationsRealized: 28_500, expectation: 30_000 }), -5);
 * ```
 */
export function verdictMargin(
  e: Pick<EvaluateResult, "maxInvocationsRealized" | "expectation">,
): number {
  return Math.round(100 * (e.maxInvocationsRealized - e.expectation) / e.expectation);
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}
