/**
 * The capacity profile that the local Default job measures and the fleet simulation uses
 * (`../shared/spec/simulation-model.md` §1).
 *
 * @module
 */

/** Latency percentiles of one ramp level, as the client saw them, in milliseconds. */
export interface LatencyMs {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
}

/** One measured concurrency level of a single instance. */
export interface ProfileLevel {
  /** Closed-loop users on this one instance (requests in flight). */
  concurrency: number;
  /** Completed successful requests per second. */
  throughput: number;
  /** Client-side latency percentiles, ms. */
  latencyMs: LatencyMs;
  /** CPU % summed over vCPUs (CloudWatch's CPUUtilization scale: 0–100 x vCPUs). */
  cpuPercent: number;
  /** Memory % of the instance. */
  memoryPercent: number;
  /** Fraction of requests that failed (non-2xx, timeouts, connection errors). */
  errorRate: number;
}

/** What one instance of a type can do, as measured by a Default job. */
export interface CapacityProfile {
  /** The instance type named (e.g. `ml.c5.large`); locally it was measured on this machine. */
  instanceType: string;
  /** vCPUs of the instance type (sets the CPUUtilization scale). */
  vCpus: number;
  /** Where it was measured, e.g. `local: this machine (2 cores: server on 1, load on 0)`. */
  measuredOn: string;
  /** Levels in increasing concurrency. */
  levels: ProfileLevel[];
}

/** What a capacity profile was measured for: the model data, its serving image, the instance type. */
export interface ProfileSubject {
  /** S3 URL of `model.tar.gz`. */
  modelDataUrl: string;
  /** Serving container image URI. */
  image: string;
  /** Instance type, e.g. `ml.c5.large`. */
  instanceType: string;
}

/**
 * The store key of a profile: model data URL, container image and instance type (DESIGN.md).
 *
 * @example Usage
 * ```ts
 * import { profileKey } from "./profile.ts";
 * import assert from "node:assert/strict";
 * assert.equal(profileKey({ modelDataUrl: "s3://b/model.tar.gz", image: "img", instanceType: "ml.c5.large" }), "s3://b/model.tar.gz|img|ml.c5.large");
 * ```
 */
export function profileKey(
  subject: ProfileSubject,
): string {
  const { modelDataUrl, image, instanceType } = subject;
  return `${modelDataUrl}|${image}|${instanceType}`;
}

/** Store document kind under which profiles are kept. */
export const PROFILE_KIND = "capacity-profile";

/** Capacity profiles given to the local backend, one per instance type (`--local-profile`). */
export type GivenProfiles = CapacityProfile | readonly CapacityProfile[];

function fail(source: string, what: string): never {
  throw new RangeError(`Cannot use the capacity profile ${source}: ${what}`);
}

function finiteAtLeast(value: unknown, min: number): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= min;
}

/**
 * Checks that `value` (e.g. parsed JSON) is a usable {@linkcode CapacityProfile} and returns it;
 * throws a RangeError with one line saying what is wrong (`source` names where it came from).
 *
 * @example Usage
 * ```ts
 * import { checkCapacityProfile } from "./profile.ts";
 * import assert from "node:assert/strict";
 * assert.throws(() => checkCapacityProfile({ instanceType: "ml.c5.large", vCpus: 2, levels: [] }, "in p.json"),
 *   /Cannot use the capacity profile in p.json: "levels" is empty/);
 * ```
 */
export function checkCapacityProfile(value: unknown, source: string): CapacityProfile {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail(source, "it is not a JSON object with instanceType, vCpus and levels");
  }
  const p = value as Record<string, unknown>;
  if (typeof p.instanceType !== "string" || !/^ml\.[a-z0-9]+\.[a-z0-9]+$/.test(p.instanceType)) {
    fail(source, `"instanceType" must be an instance type such as "ml.c5.large"`);
  }
  if (!finiteAtLeast(p.vCpus, 1) || !Number.isInteger(p.vCpus)) {
    fail(source, `"vCpus" must be a whole number >= 1`);
  }
  if (!Array.isArray(p.levels)) fail(source, `"levels" must be an array of levels`);
  if (p.levels.length === 0) fail(source, `"levels" is empty: give at least one level`);
  const levels = p.levels.map((raw, i): ProfileLevel => {
    const l = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
    const where = `levels[${i}]`;
    if (!finiteAtLeast(l.concurrency, 0) || l.concurrency === 0) {
      fail(source, `${where}.concurrency must be a number > 0`);
    }
    if (!finiteAtLeast(l.throughput, 0)) fail(source, `${where}.throughput must be a number >= 0`);
    const lat =
      (typeof l.latencyMs === "object" && l.latencyMs !== null ? l.latencyMs : {}) as Record<
        string,
        unknown
      >;
    for (const k of ["p50", "p95", "p99", "mean"]) {
      if (!finiteAtLeast(lat[k], 0)) fail(source, `${where}.latencyMs.${k} must be a number >= 0`);
    }
    const errorRate = l.errorRate ?? 0;
    if (!finiteAtLeast(errorRate, 0) || errorRate > 1) {
      fail(source, `${where}.errorRate must be a fraction between 0 and 1`);
    }
    for (const k of ["cpuPercent", "memoryPercent"]) {
      if (l[k] !== undefined && !finiteAtLeast(l[k], 0)) {
        fail(source, `${where}.${k} must be a number >= 0`);
      }
    }
    return {
      concurrency: l.concurrency,
      throughput: l.throughput,
      latencyMs: {
        p50: lat.p50 as number,
        p95: lat.p95 as number,
        p99: lat.p99 as number,
        mean: lat.mean as number,
      },
      cpuPercent: (l.cpuPercent as number | undefined) ?? 0,
      memoryPercent: (l.memoryPercent as number | undefined) ?? 0,
      errorRate,
    };
  });
  if (!levels.some((l) => l.throughput > 0)) {
    fail(source, "no level has a throughput > 0");
  }
  const measuredOn = typeof p.measuredOn === "string" && p.measuredOn !== ""
    ? p.measuredOn
    : `from profile, not measured: ${source}`;
  return { instanceType: p.instanceType, vCpus: p.vCpus, measuredOn, levels };
}

/**
 * Percentiles from a mean latency when only the mean is known: p50 / p95 / p99 = 0.95 / 1.6 / 2.2
 * x the mean (an assumption: a right-skewed service time; the original's published runs and a
 * CloudWatch Average give the mean only). Rounded to 0.01 ms.
 *
 * @example Usage
 * ```ts
 * import { latencyFromMean } from "./profile.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(latencyFromMean(10), { p50: 9.5, p95: 16, p99: 22, mean: 10 });
 * ```
 */
export function latencyFromMean(meanMs: number): LatencyMs {
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    p50: round(meanMs * 0.95),
    p95: round(meanMs * 1.6),
    p99: round(meanMs * 2.2),
    mean: round(meanMs),
  };
}

/** Per-minute CloudWatch series of an AWS Default job's invocation window (same length each). */
export interface DefaultJobSeries {
  /** The instance type benchmarked. */
  instanceType: string;
  /** Its vCPUs (CloudWatch's CPUUtilization scale). */
  vCpus: number;
  /** `AWS/SageMaker` Invocations, Sum per minute. */
  invocations: readonly number[];
  /** `AWS/SageMaker` ModelLatency, Average per minute, microseconds. */
  modelLatencyUs: readonly number[];
  /** `/aws/sagemaker/Endpoints` CPUUtilization, Average per minute, % summed over vCPUs. */
  cpuUtilization: readonly number[];
  /** `/aws/sagemaker/Endpoints` MemoryUtilization, Average per minute, % (absent: 0). */
  memoryUtilization?: readonly number[];
}

/**
 * Builds a {@linkcode CapacityProfile} from an AWS Default job's CloudWatch series, one level
 * per minute with invocations: throughput = Invocations / 60; mean latency = ModelLatency (the
 * round trip outside the model is not in it); concurrency by Little's law = throughput x latency
 * (the users in flight that minute); percentiles by {@linkcode latencyFromMean} (a minute's
 * Average is all the series has); CPU and memory as measured. Levels come out in
 * increasing concurrency; minutes without invocations are dropped.
 *
 * @example Usage
 * ```ts
 * import { profileFromMetrics } from "./profile.ts";
 * import assert from "node:assert/strict";
 * const p = profileFromMetrics({ instanceType: "ml.c5.large", vCpus: 2,
 *   invocations: [3000, 6000], modelLatencyUs: [20_000, 40_000], cpuUtilization: [60, 120] });
 * assert.equal(p.levels[1].throughput, 100);
 * assert.equal(p.levels[1].concurrency, 4); // 100 requests/s x 0.04 s in flight
 * ```
 */
export function profileFromMetrics(
  series: DefaultJobSeries,
  options: {
    /**
     * Where the series came from, for the profile's `measuredOn`.
     * @default {"an AWS Default job's CloudWatch metrics"}
     */
    source?: string;
  } = {},
): CapacityProfile {
  const { source = "an AWS Default job's CloudWatch metrics" } = options;
  const { instanceType, vCpus, invocations, modelLatencyUs, cpuUtilization } = series;
  const memory = series.memoryUtilization ?? [];
  if (
    modelLatencyUs.length !== invocations.length || cpuUtilization.length !== invocations.length
  ) {
    throw new RangeError(
      `Cannot build a capacity profile from the series: Invocations has ${invocations.length} minutes, ModelLatency ${modelLatencyUs.length}, CPUUtilization ${cpuUtilization.length}; give the same minutes of each`,
    );
  }
  const round = (x: number) => Math.round(x * 1000) / 1000;
  const levels: ProfileLevel[] = [];
  invocations.forEach((count, i) => {
    const latencyUs = modelLatencyUs[i];
    if (!(count > 0) || !(latencyUs > 0)) return;
    const throughput = count / 60;
    const mean = latencyUs / 1000;
    levels.push({
      concurrency: round(throughput * mean / 1000),
      throughput,
      latencyMs: latencyFromMean(mean),
      cpuPercent: cpuUtilization[i],
      memoryPercent: memory[i] ?? 0,
      errorRate: 0,
    });
  });
  if (levels.length === 0) {
    throw new RangeError(
      "Cannot build a capacity profile from the series: no minute has both invocations and a ModelLatency; give the Default job's invocation window",
    );
  }
  levels.sort((a, b) => a.concurrency - b.concurrency);
  return {
    instanceType,
    vCpus,
    measuredOn: `from profile, not measured here: built from ${source}`,
    levels,
  };
}
