/**
 * The local CloudWatch metrics stand-in: PutMetricData, GetMetricStatistics, GetMetricData and
 * ListMetrics over the store's metric rows, with CloudWatch's validation, limits and error names.
 *
 * Rules and their sources (API reference text as shipped in `@aws-sdk/client-cloudwatch`, and
 * `../shared/spec/autoscaling.md` §5, §7):
 * - Period: 1, 5, 10, 20, 30 or a multiple of 60 (sub-minute periods are meant for
 *   high-resolution data); a query whose StartTime is more than 3 hours ago returns no datapoints
 *   unless Period is a multiple of 60 (more than 15 days: 300; more than 63 days: 3600).
 * - StartTime is rounded down: to the minute (to the period for sub-minute periods) when less than
 *   15 days ago, to 5 minutes up to 63 days, to the hour beyond; EndTime is exclusive.
 * - GetMetricStatistics returns at most 1,440 datapoints; more is `InvalidParameterCombination`
 *   "You have requested up to N datapoints, which exceeds the limit of 1440. You may reduce the
 *   datapoints requested by increasing Period, or decreasing the time range." (quoted verbatim in
 *   cloud-custodian/cloud-custodian#7683). Its datapoints are "not returned in chronological
 *   order": here they come in a fixed zigzag order ({@linkcode zigzag}), so callers that forget
 *   to sort fail locally too.
 * - GetMetricData returns newest first (`ScanBy` TimestampDescending, the default), pages at
 *   `MaxDatapoints` (default 100,800) with `NextToken` and `StatusCode: PartialData`; query ids
 *   must match `^[a-z][a-zA-Z0-9_]*$` (`ValidationError` wording from influxdata/telegraf#5420).
 * - PutMetricData: up to 1,000 metrics, 150 values per metric, 30 dimensions; values within
 *   ±2^360 and finite; `StorageResolution` 1 or 60 ("The parameter MetricData.member.1.StorageResolution
 *   must be a value in the set [ 1, 60 ]." — boto/botocore#1671); timestamps within the past two
 *   weeks (message from a public sample's notes) and at most two hours ahead; the `AWS/` namespace
 *   prefix is reserved ("The value AWS/ for parameter Namespace is invalid.").
 * Metric math (`Expression`) is not evaluated locally: such a query fails with a clear error.
 *
 * The rules' arithmetic and the request checks are in `metric_rules.ts`; this file has the handlers.
 *
 * @module
 */
import { BASIC_STATISTICS, parseStatistic, statistic } from "../../../sim/metric_stats.ts";
import type { LocalContext } from "../kernel/context.ts";
import { decodePageOffset, decodePageOffsets, encodePageToken, pageOf } from "../kernel/paging.ts";
import { type HandlerMap, NotImplementedLocallyError } from "../kernel/dispatch.ts";
import {
  byPeriod,
  checkDimensions,
  checkName,
  checkTimeRange,
  combination,
  effectiveStart,
  fail,
  GET_METRIC_STATISTICS_LIMIT,
  HOUR,
  invalidValue,
  isValidPeriod,
  missing,
  retentionAllows,
  rowsOf,
  toRow,
  UNITS,
  validateDatum,
  validationError,
  zigzag,
} from "./metric_rules.ts";
import type * as cw from "@aws-sdk/client-cloudwatch";
import type {
  Datapoint,
  GetMetricDataInput,
  GetMetricDataOutput,
  GetMetricStatisticsInput,
  GetMetricStatisticsOutput,
  ListMetricsInput,
  ListMetricsOutput,
  MetricDataResult,
  PutMetricDataInput,
} from "@aws-sdk/client-cloudwatch";

function fingerprint(input: GetMetricDataInput): string {
  const { NextToken: _n, ...rest } = input;
  const text = JSON.stringify(rest);
  let h = 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h.toString(16);
}

/** CloudWatch metric operations of the local backend. */
export const cloudWatchMetricHandlers: HandlerMap = {
  PutMetricData(input: PutMetricDataInput, ctx: LocalContext) {
    const namespace = checkName(input.Namespace, "Namespace");
    if (namespace.startsWith("AWS/")) {
      throw invalidValue("The value AWS/ for parameter Namespace is invalid.");
    }
    const data = input.MetricData;
    if (data === undefined || data.length === 0) throw missing("MetricData");
    if (data.length > 1000) {
      throw invalidValue("The collection MetricData must not have a size greater than 1000.");
    }
    const now = ctx.store.now();
    data.forEach((d, i) => validateDatum(d, { index: i, now }));
    ctx.store.tx(() => ctx.store.putMetrics(data.map((d) => toRow(namespace, { datum: d, now }))));
    return {};
  },

  GetMetricStatistics(input: GetMetricStatisticsInput, ctx: LocalContext) {
    const namespace = checkName(input.Namespace, "Namespace");
    const metricName = checkName(input.MetricName, "MetricName");
    checkDimensions(input.Dimensions, "Dimensions");
    checkTimeRange({ start: input.StartTime, end: input.EndTime }, "value");
    if (input.Period === undefined) throw missing("Period");
    if (!isValidPeriod(input.Period)) {
      throw invalidValue("The parameter Period must be 1, 5, 10, 20, 30, or a multiple of 60.");
    }
    const statistics = input.Statistics ?? [];
    const extended = input.ExtendedStatistics ?? [];
    if (statistics.length === 0 && extended.length === 0) {
      throw combination("Must specify either Statistics or ExtendedStatistics");
    }
    if (statistics.length > 0 && extended.length > 0) {
      // API reference: "you must specify either Statistics or ExtendedStatistics, but not both".
      throw combination("Must specify either Statistics or ExtendedStatistics, but not both");
    }
    if (statistics.length > 5) {
      throw invalidValue("The collection Statistics must not have a size greater than 5.");
    }
    if (extended.length > 10) {
      throw invalidValue("The collection ExtendedStatistics must not have a size greater than 10.");
    }
    statistics.forEach((s, i) => {
      if (!(BASIC_STATISTICS as readonly string[]).includes(s)) {
        throw invalidValue(
          `The parameter Statistics.member.${i + 1} must be a value in the set [ ${
            BASIC_STATISTICS.join(", ")
          } ].`,
        );
      }
    });
    extended.forEach((s, i) => {
      if (parseStatistic(s)?.kind !== "percentile") {
        throw invalidValue(
          `The parameter ExtendedStatistics.member.${
            i + 1
          } must be a percentile between p0.0 and p100, e.g. p99 or p99.9.`,
        );
      }
    });
    if (input.Unit !== undefined && !UNITS.includes(input.Unit)) {
      throw invalidValue(`The parameter Unit must be a value in the set [ ${UNITS.join(", ")} ].`);
    }
    const now = ctx.store.now();
    const periodMs = input.Period * 1000;
    const start = effectiveStart(input.StartTime!.getTime(), { periodSeconds: input.Period, now });
    const end = input.EndTime!.getTime();
    const requested = Math.ceil((end - start) / periodMs);
    if (requested > GET_METRIC_STATISTICS_LIMIT) {
      throw combination(
        `You have requested up to ${requested} datapoints, which exceeds the limit of 1440. You may reduce the datapoints requested by increasing Period, or decreasing the time range.`,
      );
    }
    const out: GetMetricStatisticsOutput = { Label: metricName, Datapoints: [] };
    if (!retentionAllows(start, { periodSeconds: input.Period, now })) return out;
    const rows = rowsOf(ctx, {
      namespace,
      metricName,
      dimensions: input.Dimensions,
      start,
      end,
      unit: input.Unit,
    });
    const units = [...new Set(rows.map((r) => r.unit))].sort();
    for (const unit of units) {
      for (
        const [t, bucket] of byPeriod(rows.filter((r) => r.unit === unit), { start, periodMs })
      ) {
        const point: Datapoint = { Timestamp: new Date(t), Unit: unit as cw.StandardUnit };
        for (const s of statistics) {
          const v = statistic(bucket, s);
          if (v !== undefined) point[s] = v;
        }
        if (extended.length > 0) {
          const values: Record<string, number> = {};
          for (const s of extended) {
            const v = statistic(bucket, s);
            if (v !== undefined) values[s] = v;
          }
          point.ExtendedStatistics = values;
        }
        out.Datapoints!.push(point);
      }
    }
    out.Datapoints = zigzag(
      out.Datapoints!.sort((a, b) =>
        a.Timestamp!.getTime() - b.Timestamp!.getTime() || (a.Unit! < b.Unit! ? -1 : 1)
      ),
    );
    return out;
  },

  GetMetricData(input: GetMetricDataInput, ctx: LocalContext) {
    const queries = input.MetricDataQueries;
    if (queries === undefined || queries.length === 0) throw missing("MetricDataQueries");
    if (queries.length > 500) {
      throw validationError(
        "The collection MetricDataQueries must not have a size greater than 500.",
      );
    }
    checkTimeRange({ start: input.StartTime, end: input.EndTime }, "validation");
    const problems: string[] = [];
    const ids = new Set<string>();
    queries.forEach((q, i) => {
      const p = `MetricDataQueries.member.${i + 1}`;
      if (!q?.Id) {
        problems.push(`The parameter ${p}.Id is required.`);
      } else if (!/^[a-z][a-zA-Z0-9_]*$/.test(q.Id) || q.Id.length > 255) {
        problems.push(
          `The value ${q.Id} for parameter ${p}.Id is not matching the expected pattern ^[a-z][a-zA-Z0-9_]*$.`,
        );
      } else if (ids.has(q.Id)) {
        problems.push(`The value ${q.Id} for parameter ${p}.Id is not unique.`);
      }
      if (q?.Id) ids.add(q.Id);
      if ((q?.MetricStat === undefined) === (q?.Expression === undefined)) {
        problems.push(`The parameter ${p} must contain exactly one of MetricStat or Expression.`);
        return;
      }
      const ms = q.MetricStat;
      if (ms === undefined) return;
      if (q.Period !== undefined) {
        problems.push(
          `The parameter ${p}.Period must not be specified together with ${p}.MetricStat.`,
        );
      }
      if (!ms.Metric?.Namespace) {
        problems.push(`The parameter ${p}.MetricStat.Metric.Namespace is required.`);
      }
      if (!ms.Metric?.MetricName) {
        problems.push(`The parameter ${p}.MetricStat.Metric.MetricName is required.`);
      }
      if (ms.Period === undefined) {
        problems.push(`The parameter ${p}.MetricStat.Period is required.`);
      } else if (!isValidPeriod(ms.Period)) {
        problems.push(
          `The value ${ms.Period} for parameter ${p}.MetricStat.Period is invalid: use 1, 5, 10, 20, 30, or a multiple of 60.`,
        );
      }
      if (!ms.Stat) {
        problems.push(`The parameter ${p}.MetricStat.Stat is required.`);
      } else if (parseStatistic(ms.Stat) === undefined) {
        problems.push(
          `The value ${ms.Stat} for parameter ${p}.MetricStat.Stat is not a valid statistic.`,
        );
      }
      if (ms.Unit !== undefined && !UNITS.includes(ms.Unit)) {
        problems.push(`The value ${ms.Unit} for parameter ${p}.MetricStat.Unit is invalid.`);
      }
      if (ms.Metric?.Dimensions && ms.Metric.Dimensions.length > 30) {
        problems.push(
          `The collection ${p}.MetricStat.Metric.Dimensions must not have a size greater than 30.`,
        );
      }
    });
    if (
      input.ScanBy !== undefined && input.ScanBy !== "TimestampAscending" &&
      input.ScanBy !== "TimestampDescending"
    ) {
      problems.push(
        `The value ${input.ScanBy} for parameter ScanBy is invalid: use TimestampAscending or TimestampDescending.`,
      );
    }
    if (
      input.MaxDatapoints !== undefined &&
      !(Number.isInteger(input.MaxDatapoints) && input.MaxDatapoints >= 1)
    ) {
      problems.push(`The value ${input.MaxDatapoints} for parameter MaxDatapoints is invalid.`);
    }
    if (problems.length > 0) throw validationError(problems.join("\n"));
    const math = queries.find((q) => q.Expression !== undefined);
    if (math !== undefined) {
      const error = new NotImplementedLocallyError("CloudWatch", "GetMetricData");
      error.message =
        `The local backend does not evaluate metric math (query "${math.Id}": ${math.Expression}): compute it from MetricStat queries, or run with --backend aws`;
      throw error;
    }
    for (const q of queries) {
      const stat = parseStatistic(q.MetricStat!.Stat!);
      if (stat?.kind === "unsupported") {
        const error = new NotImplementedLocallyError("CloudWatch", "GetMetricData");
        error.message =
          `The local backend does not compute statistic "${stat.name}" (query "${q.Id}"): use a percentile or a trimmed mean, or run with --backend aws`;
        throw error;
      }
    }

    const now = ctx.store.now();
    const end = input.EndTime!.getTime();
    const descending = (input.ScanBy ?? "TimestampDescending") === "TimestampDescending";
    const series = queries.filter((q) => q.ReturnData !== false).map((q) => {
      const ms = q.MetricStat!;
      const periodMs = ms.Period! * 1000;
      const start = effectiveStart(input.StartTime!.getTime(), { periodSeconds: ms.Period!, now });
      const points: { t: number; v: number }[] = [];
      if (retentionAllows(start, { periodSeconds: ms.Period!, now })) {
        const m = ms.Metric!;
        const rows = rowsOf(ctx, {
          namespace: m.Namespace!,
          metricName: m.MetricName!,
          dimensions: m.Dimensions,
          start,
          end,
          unit: ms.Unit,
        });
        for (const [t, bucket] of byPeriod(rows, { start, periodMs })) {
          const v = statistic(bucket, ms.Stat!);
          if (v !== undefined) points.push({ t, v });
        }
      }
      if (descending) points.reverse();
      return { q, points };
    });

    const fp = fingerprint(input);
    let offsets = series.map(() => 0);
    if (input.NextToken !== undefined) {
      const state = decodePageOffsets(input.NextToken, series.length, { scope: fp });
      if (state === undefined) {
        throw fail(
          "InvalidNextToken",
          "The service found an invalid NextToken: repeat the request without it, then page with the token it returns",
          400,
        );
      }
      offsets = state;
    }
    let budget = input.MaxDatapoints ?? 100_800;
    const next = [...offsets];
    let partial = false;
    const results: MetricDataResult[] = series.map(({ q, points }, i) => {
      const take = Math.max(0, Math.min(points.length - offsets[i], budget));
      budget -= take;
      const slice = points.slice(offsets[i], offsets[i] + take);
      next[i] = offsets[i] + take;
      const complete = next[i] >= points.length;
      if (!complete) partial = true;
      return {
        Id: q.Id,
        Label: q.Label ?? q.MetricStat!.Metric!.MetricName,
        Timestamps: slice.map((p) => new Date(p.t)),
        Values: slice.map((p) => p.v),
        StatusCode: complete ? "Complete" : "PartialData",
        Messages: [],
      };
    });
    const out: GetMetricDataOutput = { MetricDataResults: results, Messages: [] };
    if (partial) out.NextToken = encodePageToken(next, { scope: fp });
    return out;
  },

  ListMetrics(input: ListMetricsInput, ctx: LocalContext) {
    if (input.Namespace !== undefined) checkName(input.Namespace, "Namespace");
    if (input.MetricName !== undefined) checkName(input.MetricName, "MetricName");
    const filters = input.Dimensions ?? [];
    if (filters.length > 10) {
      throw invalidValue("The collection Dimensions must not have a size greater than 10.");
    }
    filters.forEach((f, i) => {
      if (!f?.Name) throw missing(`Dimensions.member.${i + 1}.Name`);
    });
    if (input.RecentlyActive !== undefined && input.RecentlyActive !== "PT3H") {
      throw invalidValue("The parameter RecentlyActive must be a value in the set [ PT3H ].");
    }
    const now = ctx.store.now();
    const metrics = ctx.store.listMetrics(input.Namespace, input.MetricName).filter((m) =>
      filters.every((f) =>
        m.dimensions.some((d) =>
          d.Name === f.Name && (f.Value === undefined || d.Value === f.Value)
        )
      ) &&
      (input.RecentlyActive === undefined ||
        ctx.store.queryMetrics(
            m.namespace,
            m.metricName,
            m.dimensions,
            now - 3 * HOUR,
            Number.MAX_SAFE_INTEGER,
          )
            .length > 0)
    );
    const pageSize = 500; // ListMetrics returns up to 500 results per call (API reference).
    let offset = 0;
    if (input.NextToken !== undefined) {
      const parsed = decodePageOffset(input.NextToken, { scope: "ListMetrics" });
      if (parsed === undefined) {
        throw fail(
          "InvalidNextToken",
          "The service found an invalid NextToken: list again without it",
          400,
        );
      }
      offset = parsed;
    }
    const { items, ...next } = pageOf(metrics, { offset, size: pageSize }, {
      scope: "ListMetrics",
    });
    const out: ListMetricsOutput = {
      Metrics: items.map((m) => ({
        Namespace: m.namespace,
        MetricName: m.metricName,
        Dimensions: m.dimensions.map((d) => ({ Name: d.Name, Value: d.Value })),
      })),
      ...next,
    };
    return out;
  },
};
