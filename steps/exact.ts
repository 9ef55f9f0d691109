/**
 * Exact rational arithmetic on the decimals people type, so that rounding up is never fooled by
 * binary floating point (100 TPS x 60 x 1.1 / 600 is 11 exactly, not 11.000000000000002).
 *
 * @module
 */

/** A non-negative rational number `num / den` with BigInt parts. */
export interface Fraction {
  num: bigint;
  den: bigint;
}

/**
 * The exact value of the shortest decimal that prints as `x` (what the user typed).
 *
 * @example Usage
 * ```ts
 * import { decimalFraction } from "./exact.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(decimalFraction(1.1), { num: 11n, den: 10n });
 * assert.deepEqual(decimalFraction(2e-7), { num: 2n, den: 10000000n });
 * ```
 */
export function decimalFraction(x: number): Fraction {
  if (!Number.isFinite(x) || x < 0) {
    throw new RangeError(`Cannot make an exact fraction of ${x}: give a finite number >= 0`);
  }
  const match = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(x));
  if (!match) throw new RangeError(`Cannot read ${x} as a decimal`);
  const [, whole, frac = "", exp = "0"] = match;
  const digits = BigInt(whole + frac);
  const scale = frac.length - Number(exp);
  return scale >= 0
    ? { num: digits, den: 10n ** BigInt(scale) }
    : { num: digits * 10n ** BigInt(-scale), den: 1n };
}

/**
 * The smallest integer >= the product of `factors` divided by the product of `divisors`, exactly.
 *
 * @example Usage
 * ```ts
 * import { ceilRatio } from "./exact.ts";
 * import assert from "node:assert/strict";
 * assert.equal(ceilRatio([100, 60, 1.1], [600]), 11);
 * ```
 */
export function ceilRatio(factors: readonly number[], divisors: readonly number[]): number {
  let num = 1n;
  let den = 1n;
  for (const f of factors) {
    const q = decimalFraction(f);
    num *= q.num;
    den *= q.den;
  }
  for (const d of divisors) {
    const q = decimalFraction(d);
    if (q.num === 0n) throw new RangeError("Cannot divide by zero");
    num *= q.den;
    den *= q.num;
  }
  const result = (num + den - 1n) / den;
  if (result > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`Cannot represent ${result} exactly as a number`);
  }
  return Number(result);
}
