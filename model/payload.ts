/**
 * The sample payload: `np.savetxt("sample.csv", X_test[0:100, :], delimiter=",")` — the first
 * 100 test rows, every value written with numpy's default format `%.18e` (exact C rounding),
 * values joined by `,`, one row per line ending in `\n`, no header.
 *
 * @module
 */

import type { Dataset } from "./dataset.ts";
import { formatScientific } from "./float_format.ts";

/** Options of {@linkcode samplePayloadCsv}. */
export interface SamplePayloadOptions {
  /**
   * Number of rows taken from the start of the dataset (the original's `batch_size`).
   * @default {100}
   */
  rows?: number;
}

/**
 * The payload CSV text, byte for byte what `numpy.savetxt` writes for the same float32 rows.
 *
 * @example Usage
 * ```ts
 * import { samplePayloadCsv } from "./payload.ts";
 * import assert from "node:assert/strict";
 * const data = { features: new Float32Array([0.5, 0.25, 1, 0]), labels: new Float32Array(2), rows: 2, columns: 2 };
 * assert.equal(
 *   samplePayloadCsv(data, { rows: 1 }),
 *   "5.000000000000000000e-01,2.500000000000000000e-01\n",
 * );
 * ```
 */
export function samplePayloadCsv(data: Dataset, options: SamplePayloadOptions = {}): string {
  const { rows = 100 } = options;
  if (!Number.isInteger(rows) || rows < 1) {
    throw new RangeError(`Cannot write the payload: rows (${rows}) must be a positive integer`);
  }
  if (rows > data.rows) {
    throw new RangeError(
      `Cannot write the payload: it needs ${rows} rows but the dataset has ${data.rows}`,
    );
  }
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    const values: string[] = [];
    for (let c = 0; c < data.columns; c++) {
      values.push(formatScientific(data.features[r * data.columns + c]));
    }
    lines.push(values.join(",") + "\n");
  }
  return lines.join("");
}
