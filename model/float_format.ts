/**
 * Number text exactly as the Python side writes it: XGBoost's float32 model values,
 * Python's `repr(float)` (what the SageMaker XGBoost container answers) and C's `%.18e`
 * (what `numpy.savetxt` writes by default).
 *
 * @module
 */

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const LOW = 0; // little-endian word order (x86-64, aarch64)
const HIGH = 1;

/**
 * The shortest decimal text that reads back (as float32) to the same float32 value,
 * the way XGBoost writes split conditions and leaf values in its JSON models.
 *
 * @example Usage
 * ```ts
 * import { formatFloat32 } from "./float_format.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatFloat32(Math.fround(0.1)), "0.1");
 * assert.equal(formatFloat32(Math.fround(0.50000703)), "0.50000703");
 * assert.equal(formatFloat32(2), "2");
 * ```
 */
export function formatFloat32(value: number): string {
  const v = Math.fround(value);
  if (!Number.isFinite(v)) {
    throw new RangeError(`Cannot write a float32 model value: ${value} is not finite`);
  }
  if (v === 0) return Object.is(v, -0) ? "-0" : "0";
  for (let precision = 1; precision < 9; precision++) {
    const text = Number(v.toPrecision(precision));
    if (Math.fround(text) === v) return String(text);
  }
  return String(Number(v.toPrecision(9)));
}

/**
 * Python's `repr(x)` / `str(x)` of a float: the shortest round-trip digits, in fixed notation
 * for 1e-4 <= |x| < 1e16 (with `.0` on whole numbers) and `1.5e-05` style otherwise; `nan`,
 * `inf`, `-inf`. The SageMaker XGBoost container formats each prediction with `str()`.
 *
 * @example Usage
 * ```ts
 * import { formatPythonFloat } from "./float_format.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatPythonFloat(Math.fround(0.1)), "0.10000000149011612");
 * assert.equal(formatPythonFloat(1), "1.0");
 * assert.equal(formatPythonFloat(Math.fround(1.2e-5)), "1.2000000424450263e-05");
 * assert.equal(formatPythonFloat(1e16), "1e+16");
 * ```
 */
export function formatPythonFloat(value: number): string {
  if (value !== value) return "nan";
  if (value === Infinity) return "inf";
  if (value === -Infinity) return "-inf";
  const magnitude = Math.abs(value);
  if (value === 0) return Object.is(value, -0) ? "-0.0" : "0.0";
  if (magnitude >= 1e-4 && magnitude < 1e16) {
    // JavaScript prints these in fixed notation with the same shortest digits.
    const text = String(value);
    return text.includes(".") ? text : text + ".0";
  }
  const text = value.toExponential(); // shortest digits, e.g. "1.5e-5"
  const e = text.indexOf("e");
  const exponent = Number(text.slice(e + 1));
  const digits = Math.abs(exponent) < 10 ? "0" + Math.abs(exponent) : String(Math.abs(exponent));
  return `${text.slice(0, e)}e${exponent < 0 ? "-" : "+"}${digits}`;
}

/**
 * C's `printf("%.<fractionDigits>e", x)` with exact decimal expansion and round-half-even,
 * as `numpy.savetxt` writes each value by default (`%.18e`). JavaScript's `toExponential`
 * rounds ties away from zero, so this expands the double exactly instead.
 *
 * @example Usage
 * ```ts
 * import { formatScientific } from "./float_format.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatScientific(Math.fround(0.1)), "1.000000014901161194e-01");
 * assert.equal(formatScientific(0), "0.000000000000000000e+00");
 * assert.equal(formatScientific(2.5, 0), "2e+00"); // half to even
 * ```
 */
export function formatScientific(value: number, fractionDigits = 18): string {
  if (!Number.isInteger(fractionDigits) || fractionDigits < 0 || fractionDigits > 100) {
    throw new RangeError(
      `Cannot format a number: fraction digits (${fractionDigits}) must be an integer from 0 to 100`,
    );
  }
  if (value !== value) return "nan";
  if (value === Infinity) return "inf";
  if (value === -Infinity) return "-inf";
  const negative = value < 0 || Object.is(value, -0);
  const precision = fractionDigits + 1;
  let digits: string;
  let exponent10: number;
  if (value === 0) {
    digits = "0".repeat(precision);
    exponent10 = 0;
  } else {
    const [integer, shift] = exactDecimal(Math.abs(value));
    const all = integer.toString();
    exponent10 = all.length - 1 + shift;
    if (all.length <= precision) {
      digits = all + "0".repeat(precision - all.length);
    } else {
      let kept = BigInt(all.slice(0, precision));
      const rest = all.slice(precision);
      const first = rest.charCodeAt(0) - 48;
      const tail = /[1-9]/.test(rest.slice(1));
      if (first > 5 || (first === 5 && (tail || kept % 2n === 1n))) kept += 1n;
      digits = kept.toString();
      if (digits.length > precision) {
        digits = digits.slice(0, precision);
        exponent10 += 1;
      }
    }
  }
  const mantissa = precision > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const sign = exponent10 < 0 ? "-" : "+";
  const magnitude = Math.abs(exponent10);
  return `${negative ? "-" : ""}${mantissa}e${sign}${magnitude < 10 ? "0" : ""}${magnitude}`;
}

/** `x = integer * 10^shift` exactly, for a finite positive double. */
function exactDecimal(x: number): [bigint, number] {
  F64[0] = x;
  const high = U32[HIGH];
  const low = U32[LOW];
  const biased = (high >>> 20) & 0x7ff;
  let mantissa = (BigInt(high & 0xfffff) << 32n) | BigInt(low);
  let exponent2: number;
  if (biased === 0) {
    exponent2 = -1074;
  } else {
    mantissa |= 1n << 52n;
    exponent2 = biased - 1075;
  }
  if (exponent2 >= 0) return [mantissa << BigInt(exponent2), 0];
  // m / 2^k = m * 5^k / 10^k
  return [mantissa * 5n ** BigInt(-exponent2), exponent2];
}
