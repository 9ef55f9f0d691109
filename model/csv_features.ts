/**
 * Parses a `text/csv` inference payload into a float32 feature matrix the way the SageMaker
 * XGBoost container does (`encoder.csv_to_dmatrix`): the body is stripped of surrounding
 * whitespace, split on `\n` into rows and on `,` into values; an empty value or `nan` is a
 * missing value; every value is read as a float64 (Python `float`) and then narrowed to
 * float32 (XGBoost's `DMatrix`). It reads the bytes directly (no string per value) because it
 * is the hot path of the model server.
 *
 * Differences from the container, all of them rejections of input the container would also
 * fail on or silently misread: only `,` is a delimiter (the container sniffs one from the first
 * line), `inf` is a parse error here (XGBoost 1.7 refuses it when building the `DMatrix`, which
 * the container does while parsing, so it answers 415 too), and Python-only spellings such as
 * `1_000` are not numbers.
 *
 * @module
 */

/** The body is not CSV of numbers; the container answers these with HTTP 415. */
export class CsvParseError extends Error {
  override name = "CsvParseError";
}

/** The rows have the wrong number of values for the model; the container answers HTTP 400. */
export class FeatureCountError extends Error {
  override name = "FeatureCountError";
}

/** A parsed payload: `rows` x `columns` float32 values, row-major, `NaN` for missing. */
export interface CsvFeatures {
  /** Row-major values, `rows * columns` long. */
  values: Float32Array;
  /** Number of rows (records). */
  rows: number;
  /** Number of values in every row. */
  columns: number;
}

const COMMA = 44;
const NEWLINE = 10;
/** Correctly rounded powers of ten 1e0 … 1e308. */
const POW10 = new Float64Array(309);
for (let i = 0; i <= 308; i++) POW10[i] = Number(`1e${i}`);
const SAFETY = 1e-13; // relative band around the approximation; its error is below 1e-15
const decoder = new TextDecoder();

/** Python `bytes.strip()` whitespace: space, \t, \n, \v, \f, \r. */
function isSpace(byte: number): boolean {
  return byte === 32 || (byte >= 9 && byte <= 13);
}

/**
 * Parses a CSV payload. With `expectedColumns`, rows of another width are a
 * {@linkcode FeatureCountError}; rows of differing widths are always a {@linkcode CsvParseError}.
 *
 * @example Usage
 * ```ts
 * import { parseCsvFeatures } from "./csv_features.ts";
 * import assert from "node:assert/strict";
 * const parsed = parseCsvFeatures(new TextEncoder().encode("0.5,,1e-3\n2,nan,3\n"));
 * assert.equal(parsed.rows, 2);
 * assert.equal(parsed.columns, 3);
 * assert.ok(Number.isNaN(parsed.values[1]));
 * assert.equal(parsed.values[2], Math.fround(0.001));
 * ```
 */
export function parseCsvFeatures(body: Uint8Array, expectedColumns?: number): CsvFeatures {
  let start = 0;
  let end = body.length;
  while (start < end && isSpace(body[start])) start++;
  while (end > start && isSpace(body[end - 1])) end--;
  if (start === end) throw new CsvParseError("Cannot parse the CSV payload: it has no rows");
  // Size the output once: rows from the newlines (memchr), columns from the first row.
  let rows = 1;
  for (let i = body.indexOf(NEWLINE, start); i >= 0 && i < end; i = body.indexOf(NEWLINE, i + 1)) {
    rows++;
  }
  let firstEnd = body.indexOf(NEWLINE, start);
  if (firstEnd < 0 || firstEnd > end) firstEnd = end;
  let columns = 1;
  for (let i = start; i < firstEnd; i++) if (body[i] === COMMA) columns++;
  // Every value but the last is followed by a delimiter, so more cells than bytes means the
  // rows cannot all be as wide as the first: refuse before allocating.
  if (rows * columns > end - start + 1) {
    throw new CsvParseError(
      `Cannot parse the CSV payload: ${rows} rows cannot all have the ${columns} values of row 1`,
    );
  }
  const values = new Float32Array(rows * columns);
  let pos = start;
  let k = 0;
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < columns; column++) {
      let value = fastField(body, pos, end);
      let stop = cursor;
      if (!fastOk) {
        stop = pos;
        while (stop < end && body[stop] !== COMMA && body[stop] !== NEWLINE) stop++;
        value = parseField(body, pos, stop, row, column);
      }
      values[k++] = value;
      const terminator = stop < end ? body[stop] : NEWLINE;
      if (column < columns - 1 && terminator !== COMMA) {
        throw new CsvParseError(
          `Cannot parse the CSV payload: row ${row + 1} has ${
            column + 1
          } values but row 1 has ${columns}`,
        );
      }
      if (column === columns - 1 && terminator !== NEWLINE) {
        throw new CsvParseError(
          `Cannot parse the CSV payload: row ${row + 1} has more values than row 1 (${columns})`,
        );
      }
      pos = stop + 1;
    }
  }
  if (expectedColumns !== undefined && columns !== expectedColumns) {
    throw new FeatureCountError(
      `Cannot score the payload: rows have ${columns} values but the model takes ${expectedColumns} features`,
    );
  }
  return { values, rows, columns };
}

/** Where {@linkcode fastField} stopped, and whether it could read the field. */
let cursor = 0;
let fastOk = false;

/**
 * The common case, inline and allocation-free: `[-+]?digits[.digits][e[-+]?digits]` (at most
 * 19 digits) directly followed by `,`, `\n` or the end, whose float32 value is certain.
 * Anything else (spaces, `nan`, long mantissas, values near a float32 rounding midpoint, errors)
 * sets `fastOk = false` and the caller takes the general path.
 */
function fastField(body: Uint8Array, i: number, end: number): number {
  fastOk = false;
  let negative = false;
  const b = body[i];
  if (b === 45) {
    negative = true;
    i++;
  } else if (b === 43) i++;
  let mantissa = 0;
  let digits = 0;
  let decimals = 0;
  while (i < end) {
    const d = body[i] - 48;
    if (d < 0 || d > 9) break;
    mantissa = mantissa * 10 + d;
    digits++;
    i++;
  }
  if (i < end && body[i] === 46) {
    i++;
    while (i < end) {
      const d = body[i] - 48;
      if (d < 0 || d > 9) break;
      mantissa = mantissa * 10 + d;
      digits++;
      decimals++;
      i++;
    }
  }
  if (digits === 0 || digits > 19) return 0;
  let exponent = 0;
  if (i < end && (body[i] | 32) === 101) {
    i++;
    let expNegative = false;
    if (body[i] === 45) {
      expNegative = true;
      i++;
    } else if (body[i] === 43) i++;
    let expDigits = 0;
    while (i < end) {
      const d = body[i] - 48;
      if (d < 0 || d > 9) break;
      exponent = exponent * 10 + d;
      expDigits++;
      i++;
    }
    if (expDigits === 0 || expDigits > 3) return 0;
    if (expNegative) exponent = -exponent;
  }
  if (i < end && body[i] !== COMMA && body[i] !== NEWLINE) return 0;
  const scale = exponent - decimals;
  let value: number;
  if (mantissa === 0) {
    value = 0;
  } else if (digits <= 15 && scale >= -22 && scale <= 22) {
    // Clinger's fast path: both operands exact, one rounding: the correctly rounded double.
    value = Math.fround(scale >= 0 ? mantissa * POW10[scale] : mantissa / POW10[-scale]);
  } else if (scale >= -300 && scale <= 300) {
    const approx = scale >= 0 ? mantissa * POW10[scale] : mantissa / POW10[-scale];
    value = Math.fround(approx);
    // If every double in the error band narrows to the same float32, so does the exact one.
    if (
      Math.fround(approx * (1 + SAFETY)) !== value || Math.fround(approx * (1 - SAFETY)) !== value
    ) {
      return 0;
    }
  } else {
    return 0;
  }
  if (value === Infinity) return 0; // the general path explains the error
  cursor = i;
  fastOk = true;
  return negative ? -value : value;
}

/** One value: float64 as Python reads it, then float32; NaN for empty or `nan`. */
function parseField(
  body: Uint8Array,
  from: number,
  to: number,
  row: number,
  column: number,
): number {
  while (from < to && isSpace(body[from])) from++;
  while (to > from && isSpace(body[to - 1])) to--;
  if (from === to) return NaN;
  let i = from;
  let negative = false;
  let b = body[i];
  if (b === 45 || b === 43) {
    negative = b === 45;
    i++;
  }
  let mantissa = 0;
  let significant = 0; // significant digits taken into the mantissa
  let dropped = 0; // integer digits beyond the 19 kept, each a factor of 10
  let decimals = 0; // fraction digits kept, each a factor of 1/10
  let digitsSeen = 0;
  let exact = true;
  for (; i < to; i++) {
    b = body[i];
    const d = b - 48;
    if (d < 0 || d > 9) break;
    digitsSeen++;
    if (significant < 19) {
      if (mantissa !== 0 || d !== 0) significant++;
      mantissa = mantissa * 10 + d;
    } else {
      dropped++;
      if (d !== 0) exact = false;
    }
  }
  if (i < to && body[i] === 46) {
    i++;
    for (; i < to; i++) {
      b = body[i];
      const d = b - 48;
      if (d < 0 || d > 9) break;
      digitsSeen++;
      if (significant < 19) {
        if (mantissa !== 0 || d !== 0) significant++;
        mantissa = mantissa * 10 + d;
        decimals++;
      } else if (d !== 0) exact = false;
    }
  }
  if (digitsSeen === 0) return parseWord(body, from, to, row, column);
  let exponent = 0;
  if (i < to && (body[i] === 101 || body[i] === 69)) {
    i++;
    let expNegative = false;
    if (i < to && (body[i] === 45 || body[i] === 43)) {
      expNegative = body[i] === 45;
      i++;
    }
    const expStart = i;
    for (; i < to; i++) {
      const d = body[i] - 48;
      if (d < 0 || d > 9) break;
      if (exponent < 100000) exponent = exponent * 10 + d;
    }
    if (i === expStart) return notANumber(body, from, to, row, column);
    if (expNegative) exponent = -exponent;
  }
  if (i !== to) return notANumber(body, from, to, row, column);
  const scale = exponent + dropped - decimals;
  let value: number;
  if (mantissa === 0) {
    value = negative ? -0 : 0;
  } else if (exact && significant <= 15 && scale >= -22 && scale <= 22) {
    // Clinger's fast path: both operands exact, one rounding: the correctly rounded double.
    const magnitude = scale >= 0 ? mantissa * POW10[scale] : mantissa / POW10[-scale];
    value = Math.fround(negative ? -magnitude : magnitude);
  } else {
    value = NaN;
    if (scale >= -280 && scale <= 280) {
      const approx = scale >= 0 ? mantissa * POW10[scale] : mantissa / POW10[-scale];
      const single = Math.fround(approx);
      // If every double in the error band narrows to the same float32, so does the exact one.
      if (
        Math.fround(approx * (1 + SAFETY)) === single &&
        Math.fround(approx * (1 - SAFETY)) === single
      ) {
        value = negative ? -single : single;
      }
    }
    // Near a float32 rounding midpoint: let the exact double parser decide.
    if (value !== value) value = Math.fround(Number(decoder.decode(body.subarray(from, to))));
  }
  if (!Number.isFinite(value)) {
    throw new CsvParseError(
      `Cannot parse the CSV payload: value '${text(body, from, to)}' at row ${row + 1}, column ${
        column + 1
      } is infinite after conversion to float32 (XGBoost rejects inf)`,
    );
  }
  return value;
}

/** `nan` (any case, optional sign) is a missing value; everything else is not a number. */
function parseWord(body: Uint8Array, from: number, to: number, row: number, column: number) {
  const word = text(body, from, to).toLowerCase().replace(/^[+-]/, "");
  if (word === "nan") return NaN;
  if (word === "inf" || word === "infinity") {
    throw new CsvParseError(
      `Cannot parse the CSV payload: value '${text(body, from, to)}' at row ${row + 1}, column ${
        column + 1
      } is infinite (XGBoost rejects inf)`,
    );
  }
  return notANumber(body, from, to, row, column);
}

function notANumber(
  body: Uint8Array,
  from: number,
  to: number,
  row: number,
  column: number,
): never {
  throw new CsvParseError(
    `Cannot parse the CSV payload: value '${text(body, from, to)}' at row ${row + 1}, column ${
      column + 1
    } is not a number; send numbers only, no header`,
  );
}

/** The field as text for a message, shortened and with control characters escaped. */
function text(body: Uint8Array, from: number, to: number): string {
  const raw = decoder.decode(body.subarray(from, Math.min(to, from + 40)));
  // deno-lint-ignore no-control-regex
  const clean = raw.replace(/[\u0000-\u001f\u007f-\u009f\ufffd]/g, "?");
  return to - from > 40 ? clean + "..." : clean;
}
