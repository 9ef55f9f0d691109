/**
 * CloudWatch statistics over the stored datapoints of one period: the five basic statistics,
 * percentiles (`p95`, `p99.9`) and trimmed statistics (`tm99`, `TM(10%:90%)`, `ts`, `tc`, `IQM`).
 *
 * Percentiles and trimmed statistics need the distribution of the values, which CloudWatch keeps
 * only for raw data: a row contributes its `values`/`counts` (PutMetricData `Value` or
 * `Values`/`Counts`); a row published as a statistic set contributes only when its `sampleCount`
 * is 1 or its `min` equals its `max` (the CloudWatch user guide's rule for percentiles of
 * statistic sets); otherwise the statistic is unavailable (`undefined`). Percentiles are also
 * unavailable when any value is negative (GetMetricStatistics API reference).
 *
 * Interpolation: none. CloudWatch does not publish how it computes percentiles (it answers from an
 * approximate sketch); here `pNN` is the nearest-rank percentile of the exact distribution: the
 * smallest stored value `v` such that at least NN % of the samples are `<= v` (so `p0` is the
 * minimum and `p100` the maximum). Trimmed statistics weight each sample by the part of its rank
 * interval that falls inside `(lower × N, upper × N]`, so a value with a count is split exactly at
 * the boundaries.
 *
 * @module
 */
import type { MetricRow } from "./metric_row.ts";

/** The statistics of GetMetricStatistics' `Statistics`. */
export const BASIC_STATISTICS = ["SampleCount", "Average", "Sum", "Minimum", "Maximum"] as const;

/** A basic statistic name. */
export type BasicStatistic = typeof BASIC_STATISTICS[number];

/** A statistic name, understood. */
export type ParsedStatistic =
  | { kind: "basic"; name: BasicStatistic }
  | { kind: "percentile"; percent: number }
  | { kind: "trimmed"; fn: "tm" | "ts" | "tc"; lower: number; upper: number }
  | { kind: "unsupported"; name: string };

const PERCENT = "(\\d{1,2}(?:\\.\\d{0,2})?|100(?:\\.0{0,2})?)";
const PERCENTILE = new RegExp(`^p${PERCENT}$`);
const TRIMMED_SHORT = new RegExp(`^(tm|ts|tc)${PERCENT}$`, "i");
const TRIMMED_RANGE = new RegExp(`^(tm|ts|tc)\\((?:${PERCENT}%)?:(?:${PERCENT}%)?\\)$`, "i");
/** Statistics CloudWatch has that the local backend does not compute. */
const UNSUPPORTED = /^(wm\d|wm\(|pr\()/i;

/**
 * Parses a statistic name; `undefined` when CloudWatch would not accept it at all.
 *
 * @example Usage
 * ```ts
 * import { parseStatistic } from "./metric_stats.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseStatistic("p99.5"), { kind: "percentile", percent: 99.5 });
 * assert.deepEqual(parseStatistic("TM(10%:90%)"), { kind: "trimmed", fn: "tm", lower: 0.1, upper: 0.9 });
 * assert.equal(parseStatistic("p101"), undefined);
 * ```
 */
export function parseStatistic(stat: string): ParsedStatistic | undefined {
  if ((BASIC_STATISTICS as readonly string[]).includes(stat)) {
    return { kind: "basic", name: stat as BasicStatistic };
  }
  let m = PERCENTILE.exec(stat);
  if (m) return { kind: "percentile", percent: Number(m[1]) };
  if (stat.toUpperCase() === "IQM") return { kind: "trimmed", fn: "tm", lower: 0.25, upper: 0.75 };
  m = TRIMMED_SHORT.exec(stat);
  if (m) {
    return { kind: "trimmed", fn: m[1].toLowerCase() as "tm", lower: 0, upper: Number(m[2]) / 100 };
  }
  m = TRIMMED_RANGE.exec(stat);
  if (m) {
    const lower = m[2] === undefined ? 0 : Number(m[2]) / 100;
    const upper = m[3] === undefined ? 1 : Number(m[3]) / 100;
    if (lower < upper) return { kind: "trimmed", fn: m[1].toLowerCase() as "tm", lower, upper };
    return undefined;
  }
  if (UNSUPPORTED.test(stat)) return { kind: "unsupported", name: stat };
  return undefined;
}

/** One value of a distribution and how many samples had it. */
interface Sample {
  value: number;
  count: number;
}

/** The merged distribution of rows, or undefined when a row has no usable distribution. */
function distribution(rows: readonly MetricRow[]): Sample[] | undefined {
  const samples: Sample[] = [];
  for (const r of rows) {
    if (r.values && r.values.length > 0) {
      r.values.forEach((value, i) => {
        const count = r.counts?.[i] ?? 1;
        if (count > 0) samples.push({ value, count });
      });
    } else if (r.sampleCount > 0 && (r.sampleCount === 1 || r.min === r.max)) {
      samples.push({ value: r.min, count: r.sampleCount });
    } else if (r.sampleCount > 0) {
      return undefined;
    }
  }
  return samples.sort((a, b) => a.value - b.value);
}

function percentile(samples: readonly Sample[], percent: number): number | undefined {
  const total = samples.reduce((n, s) => n + s.count, 0);
  if (total <= 0) return undefined;
  const target = (percent / 100) * total;
  let cumulative = 0;
  for (const s of samples) {
    cumulative += s.count;
    if (cumulative >= target - 1e-9 * total) return s.value;
  }
  return samples[samples.length - 1].value;
}

function trimmed(
  samples: readonly Sample[],
  fn: "tm" | "ts" | "tc",
  lower: number,
  upper: number,
): number | undefined {
  const total = samples.reduce((n, s) => n + s.count, 0);
  if (total <= 0) return undefined;
  const lo = lower * total;
  const hi = upper * total;
  let before = 0;
  let sum = 0;
  let count = 0;
  for (const s of samples) {
    const after = before + s.count;
    const w = Math.max(0, Math.min(hi, after) - Math.max(lo, before));
    sum += w * s.value;
    count += w;
    before = after;
  }
  if (fn === "tc") return count;
  if (fn === "ts") return sum;
  return count > 0 ? sum / count : undefined;
}

/**
 * One statistic over all rows of one period; `undefined` when there are no rows or the statistic
 * cannot be computed from them (see the module notes). Throws a `RangeError` for a name CloudWatch
 * does not know or the local backend does not compute.
 *
 * @example Usage
 * ```ts
 * import { statistic } from "./metric_stats.ts";
 * import assert from "node:assert/strict";
 * const row = { namespace: "App", metricName: "Latency", dimensions: [], timestamp: 0, unit: "Milliseconds",
 *   sampleCount: 10, sum: 145, min: 10, max: 20, values: [10, 15, 20], counts: [5, 3, 2] };
 * assert.equal(statistic([row], "Average"), 14.5);
 * assert.equal(statistic([row], "p50"), 10);
 * assert.equal(statistic([row], "p90"), 20);
 * assert.equal(statistic([row], "tm50"), 10);
 * assert.equal(statistic([], "Sum"), undefined);
 * ```
 */
export function statistic(rows: readonly MetricRow[], stat: string): number | undefined {
  const parsed = parseStatistic(stat);
  if (parsed === undefined) {
    throw new RangeError(
      `Cannot compute statistic "${stat}": use SampleCount, Average, Sum, Minimum, Maximum, pNN.NN, tmNN, tsNN, tcNN, TM(a%:b%) or IQM`,
    );
  }
  if (parsed.kind === "unsupported") {
    throw new RangeError(
      `Cannot compute statistic "${stat}" on the local backend: use a percentile or a trimmed mean instead`,
    );
  }
  if (rows.length === 0) return undefined;
  if (parsed.kind === "basic") {
    const n = rows.reduce((a, r) => a + r.sampleCount, 0);
    const sum = rows.reduce((a, r) => a + r.sum, 0);
    switch (parsed.name) {
      case "SampleCount":
        return n;
      case "Sum":
        return sum;
      case "Average":
        return n > 0 ? sum / n : undefined;
      case "Minimum":
        return Math.min(...rows.map((r) => r.min));
      case "Maximum":
        return Math.max(...rows.map((r) => r.max));
    }
  }
  const samples = distribution(rows);
  if (samples === undefined || samples.some((s) => s.value < 0)) return undefined;
  if (parsed.kind === "percentile") return percentile(samples, parsed.percent);
  return trimmed(samples, parsed.fn, parsed.lower, parsed.upper);
}
