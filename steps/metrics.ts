/**
 * Reading per-minute CloudWatch series of an endpoint variant with GetMetricData (Period 60: the
 * SageMaker endpoint metrics are one-minute metrics; the original's Period 30 is not a valid
 * period for them).
 *
 * @module
 */
import { GetMetricDataCommand, type MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import type { Cloud } from "../cloud/types.ts";
import type { VariantTarget } from "./policies.ts";

/** One series to read. */
export interface SeriesQuery {
  /** Query id (lowercase letter first, as GetMetricData requires). */
  id: string;
  namespace: "AWS/SageMaker" | "/aws/sagemaker/Endpoints";
  metricName: string;
  /** `Sum`, `Average`, `Maximum`, `p95`... */
  stat: string;
}

/** Values by query id, then by minute (ISO time of the minute's start). */
export type SeriesValues = Map<string, Map<string, number>>;

/**
 * The per-minute invocation metrics of a variant that both the benchmark analysis and an
 * evaluation read: invocations, model latency p95 and the three error counts.
 */
export const INVOCATION_QUERIES: readonly SeriesQuery[] = [
  { id: "invocations", namespace: "AWS/SageMaker", metricName: "Invocations", stat: "Sum" },
  { id: "latencyp95", namespace: "AWS/SageMaker", metricName: "ModelLatency", stat: "p95" },
  { id: "errors4xx", namespace: "AWS/SageMaker", metricName: "Invocation4XXErrors", stat: "Sum" },
  { id: "errors5xx", namespace: "AWS/SageMaker", metricName: "Invocation5XXErrors", stat: "Sum" },
  {
    id: "modelerrors",
    namespace: "AWS/SageMaker",
    metricName: "InvocationModelErrors",
    stat: "Sum",
  },
];

/** The per-minute utilization of a variant's instances (Average, %): CPU and memory. */
export const UTILIZATION_QUERIES: readonly SeriesQuery[] = [
  {
    id: "cpu",
    namespace: "/aws/sagemaker/Endpoints",
    metricName: "CPUUtilization",
    stat: "Average",
  },
  {
    id: "memory",
    namespace: "/aws/sagemaker/Endpoints",
    metricName: "MemoryUtilization",
    stat: "Average",
  },
];

/**
 * Failed invocations in a minute read with {@linkcode INVOCATION_QUERIES}: 4XX + 5XX errors, or
 * the model errors when there are more (Invocation5XXErrors and InvocationModelErrors overlap: a
 * 5xx from the model is both, so the larger is counted).
 *
 * @example Usage
 * ```ts
 * import { invocationErrors } from "./metrics.ts";
 * import assert from "node:assert/strict";
 * const minute = "2026-01-01T00:00:00.000Z";
 * const values = new Map([
 *   ["errors4xx", new Map([[minute, 1]])],
 *   ["errors5xx", new Map([[minute, 2]])],
 *   ["modelerrors", new Map([[minute, 2]])],
 * ]);
 * assert.equal(invocationErrors(values, minute), 3);
 * assert.equal(invocationErrors(values, "2026-01-01T00:01:00.000Z"), 0);
 * ```
 */
export function invocationErrors(values: SeriesValues, minute: string): number {
  const v = (id: string) => values.get(id)?.get(minute) ?? 0;
  return Math.max(v("errors4xx") + v("errors5xx"), v("modelerrors"));
}

/**
 * A ModelLatency value in milliseconds (CloudWatch has it in microseconds).
 *
 * @example Usage
 * ```ts
 * import { latencyMs } from "./metrics.ts";
 * import assert from "node:assert/strict";
 * assert.equal(latencyMs(12_500), 12.5);
 * assert.equal(latencyMs(undefined), undefined);
 * ```
 */
export function latencyMs(microseconds: number | undefined): number | undefined {
  return microseconds === undefined ? undefined : microseconds / 1000;
}

/** Floors a time to its minute. */
export function floorMinute(t: Date | string | number): Date {
  const ms = new Date(t).getTime();
  return new Date(Math.floor(ms / 60_000) * 60_000);
}

/** Ceils a time to its minute. */
export function ceilMinute(t: Date | string | number): Date {
  const ms = new Date(t).getTime();
  return new Date(Math.ceil(ms / 60_000) * 60_000);
}

/** Which series {@linkcode readVariantSeries} reads, and over which minutes. */
export interface SeriesRange {
  /** The series to read, each under its id. */
  queries: readonly SeriesQuery[];
  /** First minute read (inclusive). */
  start: Date;
  /** End of the range (exclusive). */
  end: Date;
}

/**
 * Reads per-minute series of one variant between `start` (inclusive) and `end` (exclusive), all
 * pages, in one GetMetricData call per page.
 *
 * @example Usage
 * ```ts ignore
 * const values = await readVariantSeries(cloud, { endpointName, variantName }, {
 *   queries: [{ id: "inv", namespace: "AWS/SageMaker", metricName: "Invocations", stat: "Sum" }],
 *   start,
 *   end,
 * });
 * ```
 */
export async function readVariantSeries(
  cloud: Cloud,
  variant: VariantTarget,
  options: SeriesRange,
): Promise<SeriesValues> {
  const { queries, start, end } = options;
  const dimensions = [
    { Name: "EndpointName", Value: variant.endpointName },
    { Name: "VariantName", Value: variant.variantName },
  ];
  const metricQueries: MetricDataQuery[] = queries.map((q) => ({
    Id: q.id,
    MetricStat: {
      Metric: { Namespace: q.namespace, MetricName: q.metricName, Dimensions: dimensions },
      Period: 60,
      Stat: q.stat,
    },
    ReturnData: true,
  }));
  const out: SeriesValues = new Map(queries.map((q) => [q.id, new Map()]));
  let nextToken: string | undefined;
  do {
    const page = await cloud.cloudwatch.send(
      new GetMetricDataCommand({
        MetricDataQueries: metricQueries,
        StartTime: start,
        EndTime: end,
        ScanBy: "TimestampAscending",
        NextToken: nextToken,
      }),
    );
    for (const result of page.MetricDataResults ?? []) {
      const series = out.get(result.Id ?? "");
      if (series === undefined) continue;
      (result.Timestamps ?? []).forEach((ts, i) => {
        const value = result.Values?.[i];
        if (value !== undefined) series.set(floorMinute(ts).toISOString(), value);
      });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return out;
}

/** Every minute start in [start, end), ISO strings. */
export function minutesBetween(start: Date, end: Date): string[] {
  const out: string[] = [];
  for (let t = floorMinute(start).getTime(); t < end.getTime(); t += 60_000) {
    out.push(new Date(t).toISOString());
  }
  return out;
}
