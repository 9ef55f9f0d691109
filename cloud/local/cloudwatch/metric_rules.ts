/**
 * CloudWatch's metric rules as the local metric operations apply them (see `metrics.ts` for
 * the sources): valid periods, the rounding of StartTime, retention, the order of
 * GetMetricStatistics datapoints, and the checks of PutMetricData and of query time ranges.
 *
 * @module
 */
import type { MetricRow } from "../../../sim/metric_row.ts";
import type { LocalContext } from "../kernel/context.ts";
import { errorFactory } from "../kernel/errors.ts";
import * as cw from "@aws-sdk/client-cloudwatch";
import type { Dimension, MetricDatum } from "@aws-sdk/client-cloudwatch";

export const fail = errorFactory(cw, cw.CloudWatchServiceException);
export const invalidValue = (m: string) => fail("InvalidParameterValueException", m, 400);
export const missing = (name: string) =>
  fail("MissingRequiredParameterException", `The parameter ${name} is required.`, 400);
export const combination = (m: string) => fail("InvalidParameterCombinationException", m, 400);
export const validationError = (m: string) => fail("ValidationError", m, 400);

const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
export const UNITS = Object.values(cw.StandardUnit) as string[];
/** Largest magnitude CloudWatch accepts for a value (2^360). */
const MAX_VALUE = 2 ** 360;

/** Most datapoints one GetMetricStatistics call may ask for. */
export const GET_METRIC_STATISTICS_LIMIT = 1440;

/**
 * Whether a period (seconds) is one CloudWatch accepts: 1, 5, 10, 20, 30, or a multiple of 60.
 *
 * @example Usage
 * ```ts
 * import { isValidPeriod } from "./metric_rules.ts";
 * import assert from "node:assert/strict";
 * assert.ok(isValidPeriod(30) && isValidPeriod(120));
 * assert.ok(!isValidPeriod(45) && !isValidPeriod(0));
 * ```
 */
export function isValidPeriod(period: number): boolean {
  return Number.isInteger(period) && period > 0 &&
    ([1, 5, 10, 20, 30].includes(period) || period % 60 === 0);
}

/**
 * The finest resolution (ms) CloudWatch still keeps data of this age at: sub-minute data lives
 * 3 hours, minute data 15 days, 5-minute data 63 days, hourly data after that.
 */
function keptResolution(age: number): number {
  return age > 63 * DAY ? HOUR : age > 15 * DAY ? 5 * MINUTE : age > 3 * HOUR ? MINUTE : 1000;
}

/**
 * The StartTime CloudWatch actually uses: rounded down to the period for sub-minute periods,
 * else to the minute (less than 15 days ago), 5 minutes (15–63 days) or the hour (older).
 *
 * @example Usage
 * ```ts
 * import { effectiveStart } from "./metric_rules.ts";
 * import assert from "node:assert/strict";
 * const now = Date.UTC(2026, 0, 1, 12, 0, 0);
 * assert.equal(effectiveStart(Date.UTC(2026, 0, 1, 11, 32, 34), { periodSeconds: 60, now }), Date.UTC(2026, 0, 1, 11, 32, 0));
 * assert.equal(effectiveStart(Date.UTC(2026, 0, 1, 11, 32, 34), { periodSeconds: 10, now }), Date.UTC(2026, 0, 1, 11, 32, 30));
 * ```
 */
export function effectiveStart(
  start: number,
  query: { periodSeconds: number; now: number },
): number {
  const { periodSeconds, now } = query;
  const unit = periodSeconds < 60
    ? periodSeconds * 1000
    : Math.max(MINUTE, keptResolution(now - start));
  return Math.floor(start / unit) * unit;
}

/**
 * Whether data from `start` is still kept at this period's resolution (no datapoints otherwise):
 * the period must be a multiple of the resolution kept at that age (a valid, whole-second period).
 */
export function retentionAllows(
  start: number,
  query: { periodSeconds: number; now: number },
): boolean {
  const { periodSeconds, now } = query;
  return (periodSeconds * 1000) % keptResolution(now - start) === 0;
}

/**
 * A fixed, non-chronological order (GetMetricStatistics promises no order): newest, oldest,
 * second newest, second oldest, ... — never ascending (2+ points) nor descending (3+ points).
 *
 * @example Usage
 * ```ts
 * import { zigzag } from "./metric_rules.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(zigzag([1, 2, 3, 4, 5]), [5, 1, 4, 2, 3]);
 * ```
 */
export function zigzag<T>(chronological: readonly T[]): T[] {
  const out: T[] = [];
  let lo = 0;
  let hi = chronological.length - 1;
  while (lo <= hi) {
    out.push(chronological[hi--]);
    if (lo <= hi) out.push(chronological[lo++]);
  }
  return out;
}

export function checkDimensions(dimensions: Dimension[] | undefined, path: string): void {
  if (dimensions === undefined) return;
  if (dimensions.length > 30) {
    throw invalidValue(`The collection ${path} must not have a size greater than 30.`);
  }
  dimensions.forEach((d, i) => {
    const p = `${path}.member.${i + 1}`;
    if (!d?.Name) throw missing(`${p}.Name`);
    if (d.Value === undefined || d.Value === null) throw missing(`${p}.Value`);
    if (d.Name.length > 255) {
      throw invalidValue(`The parameter ${p}.Name must be shorter than 256 characters.`);
    }
    if (d.Value.length < 1 || d.Value.length > 1024) {
      throw invalidValue(`The parameter ${p}.Value must be between 1 and 1024 characters long.`);
    }
  });
}

export function checkName(value: string | undefined, name: string): string {
  if (value === undefined || value === "") throw missing(name);
  if (value.length > 255) {
    throw invalidValue(`The parameter ${name} must be shorter than 256 characters.`);
  }
  return value;
}

function checkValue(value: number, path: string): void {
  if (!Number.isFinite(value) || Math.abs(value) > MAX_VALUE) {
    throw invalidValue(`The value ${value} for parameter ${path} is invalid.`);
  }
}

function dims(dimensions: Dimension[] | undefined): { Name: string; Value: string }[] {
  return (dimensions ?? []).map((d) => ({ Name: d.Name!, Value: d.Value! }));
}

/** Turns one validated datum into a stored row (timestamps rounded to its storage resolution). */
export function toRow(
  namespace: string,
  source: { datum: MetricDatum; now: number },
): MetricRow {
  const { datum: d, now } = source;
  const resolution = d.StorageResolution ?? 60;
  const at = d.Timestamp === undefined ? now : d.Timestamp.getTime();
  const base = {
    namespace,
    metricName: d.MetricName!,
    dimensions: dims(d.Dimensions),
    timestamp: Math.floor(at / (resolution * 1000)) * resolution * 1000,
    unit: d.Unit ?? "None",
    storageResolution: resolution,
  };
  if (d.StatisticValues !== undefined) {
    const s = d.StatisticValues;
    return {
      ...base,
      sampleCount: s.SampleCount!,
      sum: s.Sum!,
      min: s.Minimum!,
      max: s.Maximum!,
    };
  }
  const values = d.Values ?? [d.Value!];
  const counts = d.Counts ?? values.map(() => 1);
  return {
    ...base,
    sampleCount: counts.reduce((a, c) => a + c, 0),
    sum: values.reduce((a, v, i) => a + v * counts[i], 0),
    min: Math.min(...values),
    max: Math.max(...values),
    values: [...values],
    counts: [...counts],
  };
}

export function validateDatum(
  d: MetricDatum,
  at: { index: number; now: number },
): void {
  const { index: i, now } = at;
  const p = `MetricData.member.${i + 1}`;
  checkName(d?.MetricName, `${p}.MetricName`);
  checkDimensions(d.Dimensions, `${p}.Dimensions`);
  const given = [
    d.Value !== undefined ? "Value" : undefined,
    d.StatisticValues !== undefined ? "StatisticValues" : undefined,
    d.Values !== undefined ? "Values" : undefined,
  ].filter((x) => x !== undefined);
  if (given.length > 1) {
    throw combination(
      `The parameters ${p}.${given[0]} and ${p}.${
        given[1]
      } are mutually exclusive and you have specified both.`,
    );
  }
  if (given.length === 0) {
    throw combination(
      `One of the parameters ${p}.Value, ${p}.StatisticValues or ${p}.Values must be specified.`,
    );
  }
  if (d.Value !== undefined) checkValue(d.Value, `${p}.Value`);
  if (d.StatisticValues !== undefined) {
    const s = d.StatisticValues;
    for (const key of ["SampleCount", "Sum", "Minimum", "Maximum"] as const) {
      if (s[key] === undefined) throw missing(`${p}.StatisticValues.${key}`);
      checkValue(s[key]!, `${p}.StatisticValues.${key}`);
    }
    if (s.SampleCount! <= 0) {
      throw invalidValue(`The parameter ${p}.StatisticValues.SampleCount must be greater than 0.`);
    }
    if (s.Minimum! > s.Maximum!) {
      throw invalidValue(
        `The parameter ${p}.StatisticValues.Minimum must not be greater than ${p}.StatisticValues.Maximum.`,
      );
    }
  }
  if (d.Values !== undefined) {
    if (d.Values.length === 0) throw missing(`${p}.Values`);
    if (d.Values.length > 150) {
      throw invalidValue(`The collection ${p}.Values must not have a size greater than 150.`);
    }
    d.Values.forEach((v, k) => checkValue(v, `${p}.Values.member.${k + 1}`));
    if (d.Counts !== undefined) {
      if (d.Counts.length !== d.Values.length) {
        throw combination(`The parameters ${p}.Values and ${p}.Counts must be of the same size.`);
      }
      d.Counts.forEach((c, k) => {
        if (!Number.isFinite(c) || c < 0) {
          throw invalidValue(
            `The value ${c} for parameter ${p}.Counts.member.${k + 1} is invalid.`,
          );
        }
      });
    }
  } else if (d.Counts !== undefined) {
    throw combination(`The parameter ${p}.Counts requires ${p}.Values.`);
  }
  if (d.Unit !== undefined && !UNITS.includes(d.Unit)) {
    throw invalidValue(
      `The parameter ${p}.Unit must be a value in the set [ ${UNITS.join(", ")} ].`,
    );
  }
  if (
    d.StorageResolution !== undefined && d.StorageResolution !== 1 && d.StorageResolution !== 60
  ) {
    throw invalidValue(
      `The parameter ${p}.StorageResolution must be a value in the set [ 1, 60 ].`,
    );
  }
  if (d.Timestamp !== undefined) {
    const t = d.Timestamp.getTime();
    if (t < now - 14 * DAY) {
      throw invalidValue(
        `The parameter ${p}.Timestamp must specify a time within the past two weeks.`,
      );
    }
    if (t > now + 2 * HOUR) {
      throw invalidValue(
        `The parameter ${p}.Timestamp must specify a time no more than two hours in the future.`,
      );
    }
  }
}

export function checkTimeRange(
  range: { start: Date | undefined; end: Date | undefined },
  kind: "value" | "validation",
) {
  const { start, end } = range;
  if (start === undefined) throw missing("StartTime");
  if (end === undefined) throw missing("EndTime");
  const err = kind === "value" ? invalidValue : validationError;
  if (start.getTime() === end.getTime()) {
    throw err("The parameter StartTime must not equal parameter EndTime.");
  }
  if (start.getTime() > end.getTime()) {
    throw err("The parameter EndTime must be greater than StartTime.");
  }
}

/** Rows of a metric within [start, end), optionally of one unit only. */
export function rowsOf(
  ctx: LocalContext,
  query: {
    namespace: string;
    metricName: string;
    dimensions: Dimension[] | undefined;
    start: number;
    end: number;
    unit: string | undefined;
  },
): MetricRow[] {
  const { namespace, metricName, dimensions, start, end, unit } = query;
  const rows = ctx.store.queryMetrics(namespace, metricName, dims(dimensions), start, end);
  return unit === undefined ? rows : rows.filter((r) => r.unit === unit);
}

/** Groups rows into periods starting at `start`; keys are period starts, in time order. */
export function byPeriod(
  rows: readonly MetricRow[],
  periods: { start: number; periodMs: number },
): Map<number, MetricRow[]> {
  const { start, periodMs } = periods;
  const buckets = new Map<number, MetricRow[]>();
  for (const r of rows) {
    const key = start + Math.floor((r.timestamp - start) / periodMs) * periodMs;
    let bucket = buckets.get(key);
    if (bucket === undefined) buckets.set(key, bucket = []);
    bucket.push(r);
  }
  return new Map([...buckets.entries()].sort((a, b) => a[0] - b[0]));
}
