/**
 * A Default job over several instance types (inference-recommender.md §2): what each type's
 * profile is and where it comes from. A type the user gave a profile for reports that profile
 * ("from profile, not measured"); the first other type is measured on this machine (the model
 * server's cores stand for its vCPUs); every further type is *derived* from that measurement with
 * a stated factor, never copied: the XGBoost serving container runs one worker per vCPU with one
 * thread each (inference-recommender.md §5, [XGB-SERVE]), so throughput, the concurrency at each
 * point of the curve and summed CPUUtilization scale with vCPUs, per-request latency stays, and
 * memory % scales with the inverse of the memory size.
 *
 * @module
 */
import type { CapacityProfile, ProfileLevel } from "../../../../sim/profile.ts";
import type { InstanceTypeInfo } from "../../../instance_types.ts";
import type { MeasuredLevel } from "./profile.ts";

/**
 * Derives the profile of `target` from a profile measured (or given) for another type: x
 * (target vCPUs / measured vCPUs) in throughput, concurrency and summed CPU; memory % x (measured
 * GiB / target GiB); latency unchanged. `measuredOn` says by what factor.
 *
 * @example Usage
 * ```ts
 * import { deriveProfile } from "./instance_types.ts";
 * import assert from "node:assert/strict";
 * const measured = { instanceType: "ml.c5.large", vCpus: 2, measuredOn: "here", levels: [{ concurrency: 4,
 *   throughput: 100, latencyMs: { p50: 40, p95: 60, p99: 80, mean: 40 }, cpuPercent: 150,
 *   memoryPercent: 10, errorRate: 0 }] };
 * const p = deriveProfile(measured, { target: { instanceType: "ml.c5.xlarge", vCpus: 4, memoryGiB: 8 },
 *   measuredMemoryGiB: 4 });
 * assert.equal(p.levels[0].throughput, 200);
 * assert.equal(p.levels[0].memoryPercent, 5);
 * assert.match(p.measuredOn, /x2 /);
 * ```
 */
export function deriveProfile(
  measured: CapacityProfile,
  to: {
    /** The type to derive. */
    target: Pick<InstanceTypeInfo, "instanceType" | "vCpus" | "memoryGiB">;
    /** Memory of the measured type, GiB. */
    measuredMemoryGiB: number;
  },
): CapacityProfile {
  const { target, measuredMemoryGiB } = to;
  const factor = target.vCpus / measured.vCpus;
  const memory = measuredMemoryGiB / target.memoryGiB;
  const levels: ProfileLevel[] = measured.levels.map((l) => ({
    concurrency: l.concurrency * factor,
    throughput: l.throughput * factor,
    latencyMs: { ...l.latencyMs },
    cpuPercent: l.cpuPercent * factor,
    memoryPercent: l.memoryPercent * memory,
    errorRate: l.errorRate,
  }));
  return {
    instanceType: target.instanceType,
    vCpus: target.vCpus,
    measuredOn:
      `derived, not measured: ${measured.instanceType} x${factor} (${target.vCpus} vs ${measured.vCpus} vCPUs; the serving container runs one worker per vCPU) from ${measured.measuredOn}`,
    levels,
  };
}

/**
 * A profile's levels as the load generator would have reported them, one minute each (so a
 * Default job that reports a profile writes the same CloudWatch datapoints a measured one does).
 *
 * @example Usage
 * ```ts
 * import { levelsOfProfile } from "./instance_types.ts";
 * import assert from "node:assert/strict";
 * const [l] = levelsOfProfile({ instanceType: "ml.c5.large", vCpus: 2, measuredOn: "p", levels: [{
 *   concurrency: 4, throughput: 99, latencyMs: { p50: 40, p95: 60, p99: 80, mean: 40 }, cpuPercent: 150,
 *   memoryPercent: 10, errorRate: 0.01 }] });
 * assert.equal(l.requestsPerSecond, 100);
 * assert.equal(l.errors, 60);
 * ```
 */
export function levelsOfProfile(profile: CapacityProfile): MeasuredLevel[] {
  return profile.levels.map((l) => {
    const requestsPerSecond = l.errorRate < 1 ? l.throughput / (1 - l.errorRate) : l.throughput;
    const requests = requestsPerSecond * 60;
    return {
      users: l.concurrency,
      requestsPerSecond,
      successesPerSecond: l.throughput,
      p50Ms: l.latencyMs.p50,
      p95Ms: l.latencyMs.p95,
      p99Ms: l.latencyMs.p99,
      meanMs: l.latencyMs.mean,
      requests: Math.round(requests),
      errors: Math.round(requests * l.errorRate),
      errorRate: l.errorRate,
      errorsByKind: {},
      cpuPercent: l.cpuPercent,
      rssBytes: 0,
      memoryPercent: l.memoryPercent,
    };
  });
}
