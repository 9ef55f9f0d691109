/**
 * The capacity profile of a recommend result, on either backend: the Default job's benchmark
 * variant's per-minute CloudWatch series over its invocation window (Invocations Sum,
 * ModelLatency Average, CPUUtilization and MemoryUtilization Average), turned into one level per
 * minute by `profileFromMetrics`. AWS writes these series for the benchmark endpoint while the job
 * runs; the local Default job writes the same series for its benchmark endpoint.
 *
 * @module
 */
import { instanceTypeInfo } from "../cloud/instance_types.ts";
import type { Cloud } from "../cloud/types.ts";
import { type CapacityProfile, profileFromMetrics } from "../sim/profile.ts";
import { InputError } from "./errors.ts";
import {
  minutesBetween,
  readVariantSeries,
  type SeriesQuery,
  UTILIZATION_QUERIES,
} from "./metrics.ts";
import type { RecommendResult } from "./types.ts";

/** What {@linkcode profileOfRecommendation} reads of a recommend result (parsed JSON: checked). */
export type RecommendationWindow = Partial<
  Pick<
    RecommendResult,
    | "jobName"
    | "benchmarkEndpointName"
    | "benchmarkVariantName"
    | "instanceType"
    | "invocationStartTime"
    | "invocationEndTime"
  >
>;

/** Options of {@linkcode profileOfRecommendation}. */
export interface JobProfileOptions {
  /**
   * vCPUs of the instance type (the scale of CPUUtilization).
   * @default {the instance type's vCPUs in the toolkit's instance table}
   */
  vCpus?: number;
}

/** The four per-minute series a Default job's benchmark variant has (`profileFromMetrics`). */
const JOB_PROFILE_QUERIES: readonly SeriesQuery[] = [
  { id: "invocations", namespace: "AWS/SageMaker", metricName: "Invocations", stat: "Sum" },
  { id: "latency", namespace: "AWS/SageMaker", metricName: "ModelLatency", stat: "Average" },
  ...UTILIZATION_QUERIES,
];

/** How long CloudWatch keeps 1-minute datapoints (GetMetricData: 15 days), ms. */
const ONE_MINUTE_RETENTION_MS = 15 * 86_400_000;

const PASS = "pass --from the --json output of recommend, or --capacity-profile FILE";

/** A non-empty string field of the result, else an InputError naming it. */
function field(rec: RecommendationWindow, name: keyof RecommendationWindow): string {
  const value = (rec as Record<string, unknown>)[name];
  if (typeof value !== "string" || value === "") {
    throw new InputError(
      `Cannot build a capacity profile from the recommend result: it has no "${name}"; ${PASS}`,
    );
  }
  return value;
}

/** A time field of the result (recommend writes the epoch when AWS gave none: unknown). */
function time(rec: RecommendationWindow, name: keyof RecommendationWindow): number {
  const ms = Date.parse(field(rec, name));
  if (!(ms > 0)) {
    throw new InputError(
      `Cannot build a capacity profile from the recommend result: "${name}" is not a known time; ${PASS}`,
    );
  }
  return ms;
}

/** Where the inputs of {@linkcode profileOfRecommendation} point: checked before any call. */
interface JobWindow {
  job: string;
  variant: { endpointName: string; variantName: string };
  instanceType: string;
  vCpus: number;
  start: Date;
  end: Date;
}

function jobWindow(rec: RecommendationWindow, options: JobProfileOptions): JobWindow {
  if (typeof rec !== "object" || rec === null) {
    throw new InputError(`Cannot build a capacity profile: no recommend result; ${PASS}`);
  }
  const endpointName = field(rec, "benchmarkEndpointName");
  const variantName = typeof rec.benchmarkVariantName === "string" && rec.benchmarkVariantName
    ? rec.benchmarkVariantName
    : "AllTraffic";
  const instanceType = field(rec, "instanceType");
  const vCpus = options.vCpus ?? instanceTypeInfo(instanceType)?.vCpus;
  if (vCpus === undefined || !(Number.isInteger(vCpus) && vCpus >= 1)) {
    throw new InputError(
      `Cannot build a capacity profile for ${instanceType}: its vCPUs are not in the instance table; pass --capacity-profile FILE`,
    );
  }
  // Whole minutes inside the window: a minute cut by its start or end has fewer invocations at
  // the same latency and would read as a level that was never run.
  const start = new Date(Math.ceil(time(rec, "invocationStartTime") / 60_000) * 60_000);
  const end = new Date(Math.floor(time(rec, "invocationEndTime") / 60_000) * 60_000);
  if (end <= start) {
    throw new InputError(
      `Cannot build a capacity profile from the recommend result: its invocation window ${rec.invocationStartTime} to ${rec.invocationEndTime} holds no whole minute; ${PASS}`,
    );
  }
  const job = typeof rec.jobName === "string" && rec.jobName !== ""
    ? `Default job ${rec.jobName}`
    : `benchmark endpoint ${endpointName}`;
  return { job, variant: { endpointName, variantName }, instanceType, vCpus, start, end };
}

/**
 * Builds the capacity profile of a recommend result from its benchmark variant's per-minute
 * CloudWatch series over the invocation window (whole minutes), read with GetMetricData (Period
 * 60): one level per minute that has Invocations, ModelLatency and CPUUtilization (a minute
 * missing in one of them is dropped; a missing MemoryUtilization reads 0). vCPUs come from the
 * instance table. Inputs are checked before any call; a window with no data (CloudWatch keeps
 * 1-minute data 15 days) is an {@linkcode InputError} that says so.
 *
 * @example Usage
 * ```ts
 * import { profileOfRecommendation } from "./job_profile.ts";
 * import type { Cloud } from "../cloud/types.ts";
 * import assert from "node:assert/strict";
 * const minute = Date.parse("2026-01-05T10:00:00Z");
 * const values = [[3000, 6000], [20_000, 40_000], [60, 120], [9, 9]];
 * const cloudwatch = { send: () => Promise.resolve({ MetricDataResults: values.map((v, i) => ({
 *   Id: ["invocations", "latency", "cpu", "memory"][i],
 *   Timestamps: [new Date(minute), new Date(minute + 60_000)], Values: v })) }) };
 * const cloud = { cloudwatch, clock: { now: () => new Date(minute + 600_000) } } as unknown as Cloud;
 * const profile = await profileOfRecommendation(cloud, {
 *   jobName: "run-default", benchmarkEndpointName: "run-bench", instanceType: "ml.c5.large",
 *   invocationStartTime: "2026-01-05T10:00:00Z", invocationEndTime: "2026-01-05T10:02:00Z" });
 * assert.equal(profile.vCpus, 2);
 * assert.deepEqual(profile.levels.map((l) => l.throughput), [50, 100]);
 * assert.match(profile.measuredOn, /Default job run-default/);
 * ```
 */
export async function profileOfRecommendation(
  cloud: Cloud,
  recommendation: RecommendationWindow,
  options: JobProfileOptions = {},
): Promise<CapacityProfile> {
  const { job, variant, instanceType, vCpus, start, end } = jobWindow(recommendation, options);
  const values = await readVariantSeries(cloud, variant, {
    queries: JOB_PROFILE_QUERIES,
    start,
    end,
  });
  const at = (id: string, minute: string) => values.get(id)?.get(minute);
  const minutes = minutesBetween(start, end).filter((m) =>
    at("invocations", m) !== undefined && at("latency", m) !== undefined &&
    at("cpu", m) !== undefined
  );
  const where =
    `endpoint ${variant.endpointName} variant ${variant.variantName}, ${start.toISOString()} to ${end.toISOString()}`;
  // profileFromMetrics keeps the minutes with both invocations and a latency: at least one.
  if (!minutes.some((m) => at("invocations", m)! > 0 && at("latency", m)! > 0)) {
    const ageMs = cloud.clock.now().getTime() - start.getTime();
    const expired = ageMs > ONE_MINUTE_RETENTION_MS
      ? ` (the window is ${
        Math.floor(ageMs / 86_400_000)
      } days old: CloudWatch keeps 1-minute data 15 days)`
      : "";
    throw new InputError(
      `Cannot build a capacity profile from ${job}: CloudWatch has no per-minute Invocations, ModelLatency and CPUUtilization for ${where}${expired}; pass --capacity-profile FILE`,
    );
  }
  return profileFromMetrics({
    instanceType,
    vCpus,
    invocations: minutes.map((m) => at("invocations", m)!),
    modelLatencyUs: minutes.map((m) => at("latency", m)!),
    cpuUtilization: minutes.map((m) => at("cpu", m)!),
    memoryUtilization: minutes.map((m) => at("memory", m) ?? 0),
  }, { source: `the CloudWatch metrics of ${job} (${where})` });
}
