/**
 * Per-second measurement of a load test: each 1 s interval's requests, successes, errors by
 * kind, latency percentiles (of successful requests), bytes, users and the target's CPU and
 * memory; plus the running totals of the whole run.
 *
 * A request is counted in the interval in which it completes (as `wrk` and Locust do).
 *
 * @module
 */

import { LatencyHistogram, type LatencySummary } from "./histogram.ts";
import type { ProcessSample } from "./process_stats.ts";

/** Errors by kind: `http-<status>` (e.g. `http-503`), `timeout`, `connection`. */
export type ErrorsByKind = Record<string, number>;

/** What happened during one interval (1 s, the last one may be shorter). */
export interface IntervalStats {
  /** 0-based index of the interval from the start of the run. */
  index: number;
  /** Seconds from the start of the run to the start of the interval. */
  startSeconds: number;
  /** Length of the interval, s (1, or less for the last one). */
  durationSeconds: number;
  /** Active closed-loop users at the end of the interval (open loop: requests in flight or queued). */
  users: number;
  /** Requests completed (successes + errors). */
  requests: number;
  /** Requests answered with a 2xx status. */
  successes: number;
  /** Requests that failed (non-2xx, timeout, connection). */
  errors: number;
  /** Errors by kind. */
  errorsByKind: ErrorsByKind;
  /** `requests / durationSeconds`. */
  requestsPerSecond: number;
  /** `successes / durationSeconds`. */
  successesPerSecond: number;
  /** Latency percentiles of the interval's successful requests, ms (`NaN` if none). */
  p50Ms: number;
  /** 95th percentile, ms. */
  p95Ms: number;
  /** 99th percentile, ms. */
  p99Ms: number;
  /** Mean, ms. */
  meanMs: number;
  /** Largest, ms. */
  maxMs: number;
  /** Request bytes sent. */
  bytesSent: number;
  /** Response bytes received. */
  bytesReceived: number;
  /** CPU % of the sampled processes, summed over cores (`null` without `pids`). */
  cpuPercent: number | null;
  /** Resident memory of the sampled processes, bytes (`null` without `pids`). */
  rssBytes: number | null;
  /** `rssBytes` as a % of this machine's memory (`null` without `pids`). */
  memoryPercent: number | null;
}

/** A closed interval and the histogram of its latencies (for windows that merge intervals). */
export interface ClosedInterval {
  /** The interval's numbers. */
  stats: IntervalStats;
  /** Its successful requests' latencies. */
  histogram: LatencyHistogram;
}

/** Totals of a run so far. */
export interface RunTotals extends LatencySummary {
  /** Requests completed. */
  requests: number;
  /** 2xx answers. */
  successes: number;
  /** Failures. */
  errors: number;
  /** Failures by kind. */
  errorsByKind: ErrorsByKind;
  /** Request bytes sent. */
  bytesSent: number;
  /** Response bytes received. */
  bytesReceived: number;
}

/** Options of an {@linkcode IntervalRecorder}. */
export interface IntervalRecorderOptions {
  /** `performance.now()` at the start of the run. @default performance.now() */
  startMs?: number;
  /** Called with each interval as it closes. @default none */
  onInterval?: (interval: ClosedInterval) => void;
  /** Samples the target processes when an interval closes. @default no sampling */
  sample?: () => ProcessSample | null;
  /** Current users, read when an interval closes. @default () => 0 */
  users?: () => number;
}

/**
 * Collects completions into 1 s intervals. The caller reports completions with the current
 * `performance.now()`; intervals close as time passes them (on a completion or on `roll`).
 *
 * @example Usage
 * ```ts
 * import { IntervalRecorder } from "./interval_recorder.ts";
 * import assert from "node:assert/strict";
 * const closed: number[] = [];
 * const r = new IntervalRecorder({ startMs: 0, onInterval: (i) => closed.push(i.stats.requests) });
 * r.success(5, 100, 20, 10);
 * r.failure("http-503", 100, 0, 500);
 * r.success(7, 100, 20, 1200);
 * r.finish(1500);
 * assert.deepEqual(closed, [2, 1]);
 * assert.equal(r.totals().errorsByKind["http-503"], 1);
 * ```
 */
export class IntervalRecorder {
  readonly #startMs: number;
  readonly #onInterval?: (interval: ClosedInterval) => void;
  readonly #sample?: () => ProcessSample | null;
  readonly #users: () => number;
  readonly #totals = new IntervalTotals();
  #index = 0;
  #nextBoundary: number;
  #requests = 0;
  #successes = 0;
  #errors = 0;
  #bytesSent = 0;
  #bytesReceived = 0;
  #errorsByKind: ErrorsByKind = {};
  #histogram = new LatencyHistogram();
  #finished = false;
  #closedSeconds = 0;

  /** Creates a recorder whose first interval starts at `startMs`. */
  constructor(options: IntervalRecorderOptions = {}) {
    this.#startMs = options.startMs ?? performance.now();
    this.#nextBoundary = this.#startMs + 1000;
    this.#onInterval = options.onInterval;
    this.#sample = options.sample;
    this.#users = options.users ?? (() => 0);
  }

  /** `performance.now()` at the start of the run. */
  get startMs(): number {
    return this.#startMs;
  }

  /** Index of the interval now being filled. */
  get currentIndex(): number {
    return this.#index;
  }

  /** Whether `finish` was called (completions are then ignored). */
  get finished(): boolean {
    return this.#finished;
  }

  /** Seconds covered by the closed intervals. */
  get closedSeconds(): number {
    return this.#closedSeconds;
  }

  /** Records a 2xx answer that took `latencyMs`. */
  success(latencyMs: number, bytesSent: number, bytesReceived: number, nowMs: number): void {
    if (nowMs >= this.#nextBoundary) this.roll(nowMs);
    this.#requests++;
    this.#successes++;
    this.#bytesSent += bytesSent;
    this.#bytesReceived += bytesReceived;
    this.#histogram.recordMs(latencyMs);
  }

  /** Records a failed request of a kind (`http-<status>`, `timeout`, `connection`). */
  failure(kind: string, bytesSent: number, bytesReceived: number, nowMs: number): void {
    if (nowMs >= this.#nextBoundary) this.roll(nowMs);
    this.#requests++;
    this.#errors++;
    this.#bytesSent += bytesSent;
    this.#bytesReceived += bytesReceived;
    this.#errorsByKind[kind] = (this.#errorsByKind[kind] ?? 0) + 1;
  }

  /** Closes every interval that ended at or before `nowMs`. */
  roll(nowMs: number): void {
    while (!this.#finished && nowMs >= this.#nextBoundary) this.#close(1);
  }

  /**
   * Closes the intervals up to `nowMs` and the partial one in progress (when it has any length
   * or any request). Completions reported later are not counted.
   */
  finish(nowMs: number): void {
    if (this.#finished) return;
    this.roll(nowMs);
    const partial = (nowMs - (this.#nextBoundary - 1000)) / 1000;
    if (partial >= 0.001 || (partial > 0 && this.#requests > 0)) this.#close(partial);
    this.#finished = true;
  }

  /** Totals and whole-run latency percentiles so far (closed intervals only). */
  totals(): RunTotals {
    return this.#totals.totals();
  }

  #close(durationSeconds: number): void {
    const h = this.#histogram;
    const lat = h.summary();
    const sample = this.#sample?.() ?? null;
    const stats: IntervalStats = {
      index: this.#index,
      startSeconds: this.#index,
      durationSeconds,
      users: this.#users(),
      requests: this.#requests,
      successes: this.#successes,
      errors: this.#errors,
      errorsByKind: this.#errorsByKind,
      requestsPerSecond: this.#requests / durationSeconds,
      successesPerSecond: this.#successes / durationSeconds,
      p50Ms: lat.p50Ms,
      p95Ms: lat.p95Ms,
      p99Ms: lat.p99Ms,
      meanMs: lat.meanMs,
      maxMs: lat.maxMs,
      bytesSent: this.#bytesSent,
      bytesReceived: this.#bytesReceived,
      cpuPercent: this.#sample ? (sample?.cpuPercent ?? null) : null,
      rssBytes: this.#sample ? (sample?.rssBytes ?? null) : null,
      memoryPercent: this.#sample ? (sample?.memoryPercent ?? null) : null,
    };
    this.#closedSeconds += durationSeconds;
    this.#index++;
    this.#nextBoundary += 1000;
    this.#requests = 0;
    this.#successes = 0;
    this.#errors = 0;
    this.#bytesSent = 0;
    this.#bytesReceived = 0;
    this.#errorsByKind = {};
    this.#histogram = new LatencyHistogram();
    const closed = { stats, histogram: h };
    this.#totals.add(closed);
    this.#onInterval?.(closed);
  }
}

/**
 * Running totals of a stream of closed intervals: counts, bytes, errors by kind and the merged
 * latency histogram.
 *
 * @example Usage
 * ```ts
 * import { IntervalRecorder, IntervalTotals } from "./interval_recorder.ts";
 * import assert from "node:assert/strict";
 * const totals = new IntervalTotals();
 * const r = new IntervalRecorder({ startMs: 0, onInterval: (i) => totals.add(i) });
 * r.success(4, 10, 20, 100);
 * r.failure("http-500", 10, 20, 1500);
 * r.finish(2000);
 * assert.equal(totals.totals().requests, 2);
 * assert.deepEqual(totals.totals().errorsByKind, { "http-500": 1 });
 * ```
 */
export class IntervalTotals {
  readonly #histogram = new LatencyHistogram();
  #requests = 0;
  #successes = 0;
  #errors = 0;
  #bytesSent = 0;
  #bytesReceived = 0;
  readonly #errorsByKind: ErrorsByKind = {};

  /** Adds one closed interval. */
  add({ stats, histogram }: ClosedInterval): void {
    this.#requests += stats.requests;
    this.#successes += stats.successes;
    this.#errors += stats.errors;
    this.#bytesSent += stats.bytesSent;
    this.#bytesReceived += stats.bytesReceived;
    for (const [kind, n] of Object.entries(stats.errorsByKind)) {
      this.#errorsByKind[kind] = (this.#errorsByKind[kind] ?? 0) + n;
    }
    this.#histogram.add(histogram);
  }

  /** The totals so far. */
  totals(): RunTotals {
    return {
      requests: this.#requests,
      successes: this.#successes,
      errors: this.#errors,
      bytesSent: this.#bytesSent,
      bytesReceived: this.#bytesReceived,
      errorsByKind: { ...this.#errorsByKind },
      ...this.#histogram.summary(),
    };
  }
}

/** CPU and memory of the sampled processes over several intervals. */
export interface ProcessUsage {
  /** Mean CPU %, weighted by interval length, summed over cores (`null` without samples). */
  cpuPercent: number | null;
  /** Largest resident memory, bytes (`null` without samples). */
  rssBytes: number | null;
  /** Largest `rssBytes` as a % of this machine's memory (`null` without samples). */
  memoryPercent: number | null;
}

/**
 * The target processes' CPU (mean weighted by interval length) and memory (largest) over
 * intervals; intervals without a sample are left out.
 *
 * @example Usage
 * ```ts
 * import { processUsage } from "./interval_recorder.ts";
 * import assert from "node:assert/strict";
 * const usage = processUsage([
 *   { durationSeconds: 1, cpuPercent: 50, rssBytes: 100, memoryPercent: 1 },
 *   { durationSeconds: 0.5, cpuPercent: 80, rssBytes: 300, memoryPercent: 3 },
 *   { durationSeconds: 1, cpuPercent: null, rssBytes: null, memoryPercent: null },
 * ]);
 * assert.deepEqual(usage, { cpuPercent: 60, rssBytes: 300, memoryPercent: 3 });
 * ```
 */
export function processUsage(
  intervals: ReadonlyArray<
    Pick<IntervalStats, "durationSeconds" | "cpuPercent" | "rssBytes" | "memoryPercent">
  >,
): ProcessUsage {
  let cpuSum = 0;
  let cpuWeight = 0;
  let rssBytes: number | null = null;
  let memoryPercent: number | null = null;
  for (const i of intervals) {
    if (i.cpuPercent !== null && Number.isFinite(i.cpuPercent)) {
      cpuSum += i.cpuPercent * i.durationSeconds;
      cpuWeight += i.durationSeconds;
    }
    if (i.rssBytes !== null) rssBytes = Math.max(rssBytes ?? 0, i.rssBytes);
    if (i.memoryPercent !== null) memoryPercent = Math.max(memoryPercent ?? 0, i.memoryPercent);
  }
  return { cpuPercent: cpuWeight > 0 ? cpuSum / cpuWeight : null, rssBytes, memoryPercent };
}
