/**
 * Metric rows (local-backend.md "Metric conventions"): a window's periods as the CloudWatch
 * datapoints SageMaker publishes for a variant.
 *
 * @module
 */
import type { MetricRow } from "../metric_row.ts";
import type { FleetWindow } from "./integrate.ts";

/** Which metrics {@linkcode fleetMetricRows} writes. */
export interface FleetMetricRowsOptions {
  /**
   * Write the standard (60 s) periods.
   * @default {true}
   */
  standard?: boolean;
  /**
   * Write the high-resolution (10 s) ConcurrentRequestsPerModel periods.
   * @default {true}
   */
  highResolution?: boolean;
}

/**
 * The CloudWatch rows of a window for one endpoint variant: `AWS/SageMaker` Invocations,
 * InvocationsPerInstance, Invocation4XXErrors, Invocation5XXErrors, InvocationModelErrors (unit
 * None), ModelLatency (Microseconds, with a distribution), ConcurrentRequestsPerModel (10 s,
 * storage resolution 1); `/aws/sagemaker/Endpoints` CPUUtilization and MemoryUtilization
 * (Percent). One row per period, timestamp = period start.
 *
 * @example Usage
 * ```ts
 * import { fleetMetricRows, integrateFleet, profileCurve } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const curve = profileCurve({ instanceType: "ml.c5.large", vCpus: 2, measuredOn: "test", levels: [
 *   { concurrency: 4, throughput: 50, latencyMs: { p50: 70, p95: 120, p99: 160, mean: 80 },
 *     cpuPercent: 125, memoryPercent: 21, errorRate: 0 }] });
 * const window = integrateFleet({ curve, start: 0, end: 60_000,
 *   load: { kind: "users", steps: [{ at: 0, value: 4 }] },
 *   instances: [{ id: "a", launchedAt: 0, inServiceAt: 0 }] });
 * const rows = fleetMetricRows(window, { endpointName: "my-endpoint", variantName: "AllTraffic" });
 * const invocations = rows.find((r) => r.metricName === "Invocations");
 * assert.equal(invocations?.sum, 3000);
 * assert.equal(rows.filter((r) => r.metricName === "ConcurrentRequestsPerModel").length, 6);
 * ```
 */
export function fleetMetricRows(
  window: FleetWindow,
  variant: { endpointName: string; variantName: string },
  options: FleetMetricRowsOptions = {},
): MetricRow[] {
  const { endpointName, variantName } = variant;
  const dimensions = [
    { Name: "EndpointName", Value: endpointName },
    { Name: "VariantName", Value: variantName },
  ];
  const rows: MetricRow[] = [];
  const count = (namespace: string, metricName: string, timestamp: number, value: number) =>
    rows.push({
      namespace,
      metricName,
      dimensions,
      timestamp,
      unit: "None",
      sampleCount: 1,
      sum: value,
      min: value,
      max: value,
      storageResolution: 60,
    });
  if (options.standard ?? true) {
    for (const p of window.periods) {
      const ns = "AWS/SageMaker";
      count(ns, "Invocations", p.start, p.invocations);
      count(ns, "InvocationsPerInstance", p.start, p.invocationsPerInstance);
      count(ns, "Invocation4XXErrors", p.start, 0);
      count(ns, "Invocation5XXErrors", p.start, p.serverErrors);
      count(ns, "InvocationModelErrors", p.start, p.modelErrors);
      if (p.modelLatencyUs !== undefined) {
        rows.push({
          namespace: ns,
          metricName: "ModelLatency",
          dimensions,
          timestamp: p.start,
          unit: "Microseconds",
          ...p.modelLatencyUs,
          values: [...p.modelLatencyUs.values],
          counts: [...p.modelLatencyUs.counts],
          storageResolution: 60,
        });
      }
      const endpoints = "/aws/sagemaker/Endpoints";
      if (p.cpuUtilization !== undefined) {
        rows.push({
          namespace: endpoints,
          metricName: "CPUUtilization",
          dimensions,
          timestamp: p.start,
          unit: "Percent",
          ...p.cpuUtilization,
          storageResolution: 60,
        });
      }
      if (p.memoryUtilization !== undefined) {
        rows.push({
          namespace: endpoints,
          metricName: "MemoryUtilization",
          dimensions,
          timestamp: p.start,
          unit: "Percent",
          ...p.memoryUtilization,
          storageResolution: 60,
        });
      }
    }
  }
  if (options.highResolution ?? true) {
    for (const h of window.highResolution) {
      if (h.concurrency === undefined) continue;
      rows.push({
        namespace: "AWS/SageMaker",
        metricName: "ConcurrentRequestsPerModel",
        dimensions,
        timestamp: h.start,
        unit: "None",
        ...h.concurrency,
        storageResolution: 1,
      });
    }
  }
  return rows;
}
