/**
 * Latency histograms: an HDR histogram (`hdr-histogram-js`) of microseconds with 3 significant
 * digits (relative error under 0.1 %), from 1 µs to one hour, plus the exact sum, minimum and maximum.
 *
 * @module
 */

import {
  decodeFromCompressedBase64,
  encodeIntoCompressedBase64,
  Int32Histogram,
} from "hdr-histogram-js";

/** Highest latency a histogram can hold, µs (one hour); longer values are clamped to it. */
export const HIGHEST_TRACKABLE_MICROS = 3_600_000_000;

/** Latency percentiles and mean of a set of requests, in milliseconds (`NaN` when empty). */
export interface LatencySummary {
  /** Number of latencies recorded. */
  count: number;
  /** Median, ms. */
  p50Ms: number;
  /** 90th percentile, ms. */
  p90Ms: number;
  /** 95th percentile, ms. */
  p95Ms: number;
  /** 99th percentile, ms. */
  p99Ms: number;
  /** Exact mean, ms. */
  meanMs: number;
  /** Smallest, ms. */
  minMs: number;
  /** Largest, ms. */
  maxMs: number;
}

/** A histogram as plain data, to send to or from a worker. */
export interface HistogramTransfer {
  /** The HDR histogram in its standard compressed base64 encoding. */
  encoded: string;
  /** Exact sum of the values, µs. */
  sumMicros: number;
  /** Smallest value, µs (`Infinity` when empty). */
  minMicros: number;
  /** Largest value, µs. */
  maxMicros: number;
}

/**
 * A latency histogram that records milliseconds (kept as whole microseconds).
 *
 * @example Usage
 * ```ts
 * import { LatencyHistogram } from "./histogram.ts";
 * import assert from "node:assert/strict";
 * const h = new LatencyHistogram();
 * for (let ms = 1; ms <= 100; ms++) h.recordMs(ms);
 * assert.equal(h.count, 100);
 * assert.ok(Math.abs(h.percentileMs(95) - 95) < 0.1);
 * assert.equal(h.summary().meanMs, 50.5);
 * ```
 */
export class LatencyHistogram {
  #h = new Int32Histogram(1, HIGHEST_TRACKABLE_MICROS, 3);
  #sumMicros = 0;
  #minMicros = Infinity;
  #maxMicros = 0;

  /** Records one latency in milliseconds (negative values count as 0). */
  recordMs(ms: number): void {
    this.recordMicros(ms * 1000);
  }

  /** Records one latency in microseconds (rounded; clamped to 0 … one hour). */
  recordMicros(micros: number): void {
    let v = Math.round(micros);
    if (!(v > 0)) v = 0;
    else if (v > HIGHEST_TRACKABLE_MICROS) v = HIGHEST_TRACKABLE_MICROS;
    this.#h.recordValue(v);
    this.#sumMicros += v;
    if (v < this.#minMicros) this.#minMicros = v;
    if (v > this.#maxMicros) this.#maxMicros = v;
  }

  /** Number of latencies recorded. */
  get count(): number {
    return this.#h.totalCount;
  }

  /** The latency at a percentile (0–100), ms; `NaN` when empty. */
  percentileMs(percentile: number): number {
    if (this.#h.totalCount === 0) return NaN;
    return this.#h.getValueAtPercentile(percentile) / 1000;
  }

  /** Adds every latency of another histogram to this one. */
  add(other: LatencyHistogram): void {
    if (other.count === 0) return;
    this.#h.add(other.#h);
    this.#sumMicros += other.#sumMicros;
    this.#minMicros = Math.min(this.#minMicros, other.#minMicros);
    this.#maxMicros = Math.max(this.#maxMicros, other.#maxMicros);
  }

  /** Forgets every recorded latency. */
  reset(): void {
    this.#h.reset();
    this.#sumMicros = 0;
    this.#minMicros = Infinity;
    this.#maxMicros = 0;
  }

  /** Percentiles, mean, min and max, ms (`NaN` fields when empty). */
  summary(): LatencySummary {
    const n = this.#h.totalCount;
    if (n === 0) {
      return {
        count: 0,
        p50Ms: NaN,
        p90Ms: NaN,
        p95Ms: NaN,
        p99Ms: NaN,
        meanMs: NaN,
        minMs: NaN,
        maxMs: NaN,
      };
    }
    return {
      count: n,
      p50Ms: this.percentileMs(50),
      p90Ms: this.percentileMs(90),
      p95Ms: this.percentileMs(95),
      p99Ms: this.percentileMs(99),
      meanMs: this.#sumMicros / n / 1000,
      minMs: this.#minMicros / 1000,
      maxMs: this.#maxMicros / 1000,
    };
  }

  /**
   * The histogram as plain data (for `postMessage`).
   *
   * @example Usage
   * ```ts
   * import { LatencyHistogram } from "./histogram.ts";
   * import assert from "node:assert/strict";
   * const h = new LatencyHistogram();
   * [1, 2, 3, 40].forEach((ms) => h.recordMs(ms));
   * const copy = LatencyHistogram.fromTransfer(structuredClone(h.toTransfer()));
   * assert.deepEqual(copy.summary(), h.summary());
   * ```
   */
  toTransfer(): HistogramTransfer {
    return {
      encoded: encodeIntoCompressedBase64(this.#h),
      sumMicros: this.#sumMicros,
      minMicros: this.#minMicros,
      maxMicros: this.#maxMicros,
    };
  }

  /** Rebuilds a histogram from {@linkcode LatencyHistogram.toTransfer}'s data. */
  static fromTransfer(t: HistogramTransfer): LatencyHistogram {
    const h = new LatencyHistogram();
    const decoded = decodeFromCompressedBase64(t.encoded, 32, false);
    // Decoding without WebAssembly gives a JS histogram, which is what add() takes.
    if (decoded.totalCount > 0) h.#h.add(decoded as unknown as Int32Histogram);
    h.#sumMicros = t.sumMicros;
    h.#minMicros = t.minMicros;
    h.#maxMicros = t.maxMicros;
    return h;
  }
}
