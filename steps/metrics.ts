/**
 * Reading per-minute CloudWatch series of an endpoint variant with GetMetricData (Period 60: the
 * SageMaker endpoint metrics are one-minute metrics; the original's Period 30 is not a valid
 * period for them).
 *
 * @module
 */
import { GetMetricDataCommand, type MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import type { Cloud } from "../cloud/types.ts";

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

/** The endpoint variant whose metrics are read. */
export interface VariantRef {
  endpointName: string;
  variantName: string;
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

/**
 * Reads per-minute series of one variant between `start` (inclusive) and `end` (exclusive), all
 * pages, in one GetMetricData call per page.
 *
 * @example Usage
 * ```ts ignore
 * const values = await readVariantSeries(cloud, { endpointName, variantName }, [
 *   { id: "inv", namespace: "AWS/SageMaker", metricName: "Invocations", stat: "Sum" },
 * ], start, end);
 * ```
 */
export async function readVariantSeries(
  cloud: Cloud,
  variant: VariantRef,
  queries: readonly SeriesQuery[],
  start: Date,
  end: Date,
): Promise<SeriesValues> {
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
