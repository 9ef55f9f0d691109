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
