/**
 * A Default job on the simulated clock: where its levels fall, and the CloudWatch datapoints each
 * level becomes (AWS/SageMaker invocation metrics, /aws/sagemaker/Endpoints utilization).
 *
 * @module
 */
import type { MetricRow } from "../../../../sim/metric_row.ts";
import type { MeasuredLevel } from "./profile.ts";

/** Where each part of a Default job falls on the simulated clock (epoch ms). */
export interface DefaultJobTimeline {
  /** Start of each level's simulated minute. */
  levelStarts: number[];
  invocationStartTime: number;
  invocationEndTime: number;
  completionTime: number;
}

/**
 * Lays a benchmark of `levels` ramp levels onto the simulated clock from `start`: the benchmark
 * endpoint is created, each level takes one minute, then the endpoint is torn down.
 *
 * @example Usage
 * ```ts
 * import { defaultJobTimeline } from "./metrics.ts";
 * import assert from "node:assert/strict";
 * const t = defaultJobTimeline(0, { levels: 3, settings: { endpointCreateSeconds: 150, endpointDeleteSeconds: 60 } });
 * assert.deepEqual(t.levelStarts, [180_000, 240_000, 300_000]); // creation ends at 150 s: next whole minute
 * assert.equal(t.invocationEndTime, 360_000);
 * assert.equal(t.completionTime, 420_000);
 * ```
 */
export function defaultJobTimeline(
  start: number,
  ramp: {
    levels: number;
    settings: { endpointCreateSeconds: number; endpointDeleteSeconds: number };
  },
): DefaultJobTimeline {
  const { levels, settings } = ramp;
  // Metrics are per whole minute, so the first level starts at the first whole minute after the
  // benchmark endpoint is InService.
  const first = Math.ceil((start + settings.endpointCreateSeconds * 1000) / 60_000) * 60_000;
  const levelStarts = Array.from({ length: levels }, (_, i) => first + i * 60_000);
  const invocationEndTime = first + levels * 60_000;
  return {
    levelStarts,
    invocationStartTime: first,
    invocationEndTime,
    completionTime: invocationEndTime + settings.endpointDeleteSeconds * 1000,
  };
}

/** Counts of one level's errors by CloudWatch metric, scaled to a minute. */
function errorCounts(level: MeasuredLevel, perMinute: number) {
  let http4xx = 0;
  let http5xx = 0;
  for (const [kind, n] of Object.entries(level.errorsByKind)) {
    const status = /^http-(\d{3})$/.exec(kind)?.[1];
    if (status?.startsWith("4")) http4xx += n;
    else if (status?.startsWith("5")) http5xx += n;
  }
  return {
    // Invocation4XX/5XXErrors: the model's HTTP errors; InvocationModelErrors: every non-2xx,
    // timeouts and connection errors included (autoscaling.md §2.3).
    http4xx: Math.round(http4xx * perMinute),
    http5xx: Math.round(http5xx * perMinute),
    model: Math.round(level.errors * perMinute),
  };
}

/**
 * The CloudWatch datapoints of one ramp level as one simulated minute: AWS/SageMaker invocation
 * metrics (latencies in microseconds, with a distribution whose nearest-rank p50/p95/p99 are the
 * measured ones, as the fleet writes them) and /aws/sagemaker/Endpoints utilization.
 *
 * @example Usage
 * ```ts
 * import { levelMetricRows } from "./metrics.ts";
 * import assert from "node:assert/strict";
 * const level = { users: 2, requestsPerSecond: 100, successesPerSecond: 100, p50Ms: 10, p95Ms: 15,
 *   p99Ms: 20, meanMs: 11, requests: 200, errors: 0, errorRate: 0, errorsByKind: {}, cpuPercent: 50,
 *   rssBytes: 1e8, memoryPercent: 1 };
 * const rows = levelMetricRows(level, { levelSeconds: 2, where: { endpointName: "ep", variantName: "AllTraffic", timestamp: 0,
 *   overheadUs: 100, diskPercent: 40 } });
 * assert.equal(rows.find((r) => r.metricName === "Invocations")?.sum, 6000);
 * assert.equal(rows.find((r) => r.metricName === "CPUUtilization")?.sum, 50);
 * ```
 */
export function levelMetricRows(
  level: MeasuredLevel,
  at: {
    levelSeconds: number;
    where: {
      endpointName: string;
      variantName: string;
      timestamp: number;
      overheadUs: number;
      diskPercent: number;
      /** vCPUs of the instance type / cores the server ran on (see {@linkcode profileFromLevels}). @default {1} */
      cpuScale?: number;
    };
  },
): MetricRow[] {
  const { levelSeconds, where } = at;
  const dimensions = [
    { Name: "EndpointName", Value: where.endpointName },
    { Name: "VariantName", Value: where.variantName },
  ];
  const perMinute = 60 / levelSeconds;
  const base = { dimensions, timestamp: where.timestamp, storageResolution: 60 };
  const count = (metricName: string, value: number): MetricRow => ({
    ...base,
    namespace: "AWS/SageMaker",
    metricName,
    unit: "None",
    sampleCount: 1,
    sum: value,
    min: value,
    max: value,
  });
  const gauge = (metricName: string, value: number): MetricRow => ({
    ...base,
    namespace: "/aws/sagemaker/Endpoints",
    metricName,
    unit: "Percent",
    sampleCount: 1,
    sum: value,
    min: value,
    max: value,
  });
  const invocations = Math.round(level.requestsPerSecond * 60);
  const successes = Math.round(level.successesPerSecond * 60);
  const errors = errorCounts(level, perMinute);
  const rows: MetricRow[] = [
    count("Invocations", invocations),
    // One instance: every request counts 1/1 (autoscaling.md §2.1).
    count("InvocationsPerInstance", invocations),
    count("Invocation4XXErrors", errors.http4xx),
    count("Invocation5XXErrors", errors.http5xx),
    count("InvocationModelErrors", errors.model),
  ];
  if (successes > 0) {
    // The client saw model time + the HTTP round trip; the round trip is SageMaker's overhead here.
    const model = (ms: number) => Math.max(1, ms * 1000 - where.overheadUs);
    const values = [model(level.p50Ms), model(level.p95Ms), model(level.p99Ms)];
    const counts = [0.501, 0.45, 0.049].map((w) => w * successes);
    rows.push({
      ...base,
      namespace: "AWS/SageMaker",
      metricName: "ModelLatency",
      unit: "Microseconds",
      sampleCount: successes,
      sum: model(level.meanMs) * successes,
      min: values[0],
      max: values[2],
      values,
      counts,
    }, {
      ...base,
      namespace: "AWS/SageMaker",
      metricName: "OverheadLatency",
      unit: "Microseconds",
      sampleCount: successes,
      sum: where.overheadUs * successes,
      min: where.overheadUs,
      max: where.overheadUs,
    });
  }
  // ConcurrentRequestsPerModel: the users in flight on the one instance, six 10-second datapoints.
  for (let s = 0; s < 60; s += 10) {
    rows.push({
      ...base,
      timestamp: where.timestamp + s * 1000,
      namespace: "AWS/SageMaker",
      metricName: "ConcurrentRequestsPerModel",
      unit: "None",
      sampleCount: 1,
      sum: level.users,
      min: level.users,
      max: level.users,
      storageResolution: 1,
    });
  }
  if (level.cpuPercent !== null) {
    rows.push(gauge("CPUUtilization", level.cpuPercent * (where.cpuScale ?? 1)));
  }
  if (level.memoryPercent !== null) rows.push(gauge("MemoryUtilization", level.memoryPercent));
  rows.push(gauge("DiskUtilization", where.diskPercent));
  return rows;
}
