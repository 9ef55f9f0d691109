/**
 * Proves that the analysis limits are whole invocations rounded inward as in the original
 * (floor of the upper percentage, ceiling of the lower one), that failing minutes do not count
 * for the maximum, and that bad percentages are refused.
 */
import assert from "node:assert/strict";
import { analyzeSaturation } from "./saturation.ts";

const t = (m: number) => new Date(Date.UTC(2026, 0, 1, 0, m)).toISOString();
const series = (values: number[]) => values.map((invocations, m) => ({ time: t(m), invocations }));

Deno.test("analyzeSaturation: the original's peak of 9,068 gives limits 4,987 and 4,081", () => {
  const s = analyzeSaturation(series([2_000, 5_000, 8_000, 9_068, 9_000]));
  assert.equal(s.maxValue, 9_068);
  assert.equal(s.upperLimit, 4_987); // floor(4,987.4)
  assert.equal(s.lowerLimit, 4_081); // ceil(4,080.6)
  assert.ok(Number.isInteger(s.upperLimit) && Number.isInteger(s.lowerLimit));
});

Deno.test("analyzeSaturation: limits that are already whole stay as they are", () => {
  const s = analyzeSaturation(series([1_000, 6_000]));
  assert.deepEqual([s.upperLimit, s.lowerLimit], [3_300, 2_700]);
});

Deno.test("analyzeSaturation: a minute failing above the error rate is not the maximum", () => {
  const points = series([1_000, 3_001, 2_000]);
  points[1] = { ...points[1], errors: 100 } as typeof points[1];
  const s = analyzeSaturation(points);
  assert.equal(s.maxValue, 2_000);
  assert.deepEqual([s.upperLimit, s.lowerLimit], [1_100, 900]);
});

Deno.test("analyzeSaturation: refuses a lower limit above the upper one", () => {
  assert.throws(
    () => analyzeSaturation(series([1, 2]), { upperPercent: 40, lowerPercent: 50 }),
    /Cannot analyze with limits at 50 % and 40 %/,
  );
});
