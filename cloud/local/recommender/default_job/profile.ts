/**
 * What a Default job's benchmark measured (the load generator's ramp levels, the host) and the
 * capacity profile and saturation level that come from it (simulation-model.md §1).
 *
 * @module
 */
import type { SaturationLevel, SaturationResult } from "../../../../load/saturation.ts";
import type { CapacityProfile, ProfileLevel } from "../../../../sim/profile.ts";

/** One measured ramp level, as the load generator's `--saturate --json` reports it. */
export type MeasuredLevel = Pick<
  SaturationLevel,
  | "users"
  | "requestsPerSecond"
  | "successesPerSecond"
  | "p50Ms"
  | "p95Ms"
  | "p99Ms"
  | "meanMs"
  | "requests"
  | "errors"
  | "errorRate"
  | "errorsByKind"
  | "cpuPercent"
  | "rssBytes"
  | "memoryPercent"
>;

/** The load generator's `--saturate --json` output (the fields used here). */
export type MeasuredRamp = Pick<SaturationResult, "stopReason" | "stopDetail" | "levelSeconds"> & {
  levels: MeasuredLevel[];
};

/** What the benchmark ran on, for the record. */
export interface BenchmarkHost {
  /** e.g. `local: this machine (2 cores; model server on CPU 1, load generator on CPU 0)`. */
  measuredOn: string;
  /** Round trip of `GET /ping` on this machine, µs (stands in for SageMaker's OverheadLatency). */
  overheadUs: number;
  /** Disk use of the filesystem holding the model, %. */
  diskPercent: number;
  /** Cores the model server ran on (they stand for the instance type's vCPUs). */
  serverCores: number;
}

/**
 * The capacity profile of the measured levels (simulation-model.md §1). This machine's server
 * cores stand for the instance type's vCPUs: the measured CPU % (summed over the `serverCores`
 * the server ran on) is rescaled to CloudWatch's scale for `vCpus` (0–100 x vCPUs), so a server
 * that saturated its one core reads 200 % on a 2-vCPU type, as a saturated ml.c5.large would.
 *
 * @example Usage
 * ```ts
 * import { profileFromLevels } from "./profile.ts";
 * import assert from "node:assert/strict";
 * const level = { users: 1, requestsPerSecond: 100, successesPerSecond: 99, p50Ms: 10, p95Ms: 15,
 *   p99Ms: 20, meanMs: 11, requests: 200, errors: 2, errorRate: 0.01, errorsByKind: {}, cpuPercent: 50,
 *   rssBytes: 1e8, memoryPercent: 1 };
 * const p = profileFromLevels([level], { instanceType: "ml.c5.large", vCpus: 2, measuredOn: "here", serverCores: 1 });
 * assert.equal(p.levels[0].throughput, 99);
 * assert.equal(p.levels[0].cpuPercent, 100); // 50 % of one core = 100 % on the 2-vCPU scale
 * ```
 */
export function profileFromLevels(
  levels: readonly MeasuredLevel[],
  host: {
    /** The instance type the profile stands for. */
    instanceType: string;
    /** Its vCPUs (CloudWatch's CPUUtilization scale). */
    vCpus: number;
    /** Where it was measured. */
    measuredOn: string;
    /**
     * Cores the model server ran on.
     * @default {vCpus}
     */
    serverCores?: number;
  },
): CapacityProfile {
  const { instanceType, vCpus, measuredOn, serverCores = vCpus } = host;
  const cpuScale = vCpus / serverCores;
  const out: ProfileLevel[] = levels.map((l) => ({
    concurrency: l.users,
    throughput: l.successesPerSecond,
    latencyMs: { p50: l.p50Ms, p95: l.p95Ms, p99: l.p99Ms, mean: l.meanMs },
    cpuPercent: (l.cpuPercent ?? 0) * cpuScale,
    memoryPercent: l.memoryPercent ?? 0,
    errorRate: l.errorRate,
  }));
  return { instanceType, vCpus, measuredOn, levels: out };
}

/**
 * The level a recommendation reports: the highest successful throughput among levels with at most
 * 1 % errors (Inference Recommender's Default job stops past 1 % failures).
 */
export function saturationLevel(levels: readonly MeasuredLevel[]): MeasuredLevel | undefined {
  return levels
    .filter((l) => l.errorRate <= 0.01 && l.successesPerSecond > 0)
    .reduce<MeasuredLevel | undefined>(
      (
        best,
        l,
      ) => (best === undefined || l.successesPerSecond > best.successesPerSecond ? l : best),
      undefined,
    );
}
