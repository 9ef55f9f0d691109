/**
 * The profile curve (simulation-model.md §1): throughput, latency, errors and utilization of one
 * instance as functions of its concurrency, interpolated from the measured capacity profile.
 *
 * @module
 */
import type { CapacityProfile, ProfileLevel } from "../profile.ts";

/** A capacity profile prepared for fast evaluation: levels sorted, throughput made non-decreasing. */
export interface ProfileCurve {
  /** The levels, sorted by concurrency (duplicates of a concurrency keep the first). */
  readonly levels: readonly ProfileLevel[];
  /** `c_i`, increasing. */
  readonly concurrency: readonly number[];
  /** `X(c_i)` after the running maximum: non-decreasing, requests/s. */
  readonly throughput: readonly number[];
  /** `X_max`, the saturated throughput of one instance (the plateau), requests/s. */
  readonly maxThroughput: number;
  /** `c_sat`: the smallest concurrency whose throughput reaches 98 % of `X_max`. */
  readonly saturationConcurrency: number;
  /** vCPUs of the instance type (CPUUtilization runs 0–100 x vCPUs). */
  readonly vCpus: number;
  /** Utilization interpolation points `(throughput, cpu, memory)`, throughput strictly increasing. */
  readonly utilization: readonly { throughput: number; cpu: number; memory: number }[];
}

/**
 * Prepares a {@linkcode CapacityProfile} for the fleet model: sorts the levels, makes the
 * throughput non-decreasing (a measured dip past saturation is noise, not lost capacity) and
 * finds `X_max` and `c_sat`. Throws a RangeError for a profile the model cannot use.
 *
 * @example Usage
 * ```ts
 * import { profileCurve } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const level = (concurrency: number, throughput: number) => ({ concurrency, throughput,
 *   latencyMs: { p50: 1, p95: 1, p99: 1, mean: 1 }, cpuPercent: 50, memoryPercent: 20, errorRate: 0 });
 * const curve = profileCurve({ instanceType: "ml.c5.large", vCpus: 2, measuredOn: "test",
 *   levels: [level(1, 20), level(2, 40), level(4, 50), level(8, 49)] });
 * assert.deepEqual(curve.throughput, [20, 40, 50, 50]);
 * assert.equal(curve.maxThroughput, 50);
 * assert.equal(curve.saturationConcurrency, 3.8); // X(3.8) = 40 + 10 x 0.9 = 49 = 98 % of 50
 * ```
 */
export function profileCurve(profile: CapacityProfile): ProfileCurve {
  if (!Array.isArray(profile.levels) || profile.levels.length === 0) {
    throw new RangeError(
      `Cannot use the capacity profile of "${profile.instanceType}": it has no levels; run the Default job again`,
    );
  }
  const sorted = [...profile.levels].sort((a, b) => a.concurrency - b.concurrency);
  const levels: ProfileLevel[] = [];
  for (const level of sorted) {
    if (!(Number.isFinite(level.concurrency) && level.concurrency > 0)) {
      throw new RangeError(
        `Cannot use the capacity profile of "${profile.instanceType}": a level has concurrency ${level.concurrency}; levels need a concurrency > 0`,
      );
    }
    if (!(Number.isFinite(level.throughput) && level.throughput >= 0)) {
      throw new RangeError(
        `Cannot use the capacity profile of "${profile.instanceType}": the level at concurrency ${level.concurrency} has throughput ${level.throughput}; it must be a number >= 0`,
      );
    }
    if (levels.length > 0 && levels[levels.length - 1].concurrency === level.concurrency) continue;
    levels.push(level);
  }
  const concurrency = levels.map((l) => l.concurrency);
  const throughput: number[] = [];
  let running = 0;
  for (const l of levels) {
    running = Math.max(running, l.throughput);
    throughput.push(running);
  }
  const maxThroughput = running;
  if (maxThroughput <= 0) {
    throw new RangeError(
      `Cannot use the capacity profile of "${profile.instanceType}": no level completed a request; run the Default job again`,
    );
  }
  // Utilization points on throughput; on a plateau (equal throughput) the level with the highest
  // concurrency wins: it is the state the instance stays in once saturated [INF].
  const utilization: { throughput: number; cpu: number; memory: number }[] = [];
  for (let i = 0; i < levels.length; i++) {
    const point = {
      throughput: throughput[i],
      cpu: levels[i].cpuPercent,
      memory: levels[i].memoryPercent,
    };
    const last = utilization[utilization.length - 1];
    if (last !== undefined && last.throughput === point.throughput) {
      utilization[utilization.length - 1] = point;
    } else utilization.push(point);
  }
  const partial = { concurrency, throughput, maxThroughput };
  return {
    levels,
    concurrency,
    throughput,
    maxThroughput,
    saturationConcurrency: concurrencyForThroughput(partial, 0.98 * maxThroughput),
    vCpus: profile.vCpus,
    utilization,
  };
}

/**
 * `X(c)`: throughput of one instance at `c` requests in flight, requests/s. Piecewise linear
 * between measured levels; below `c_1` linear from the origin, `X(c) = c / latency(c_1)` with
 * `latency(c_1) = c_1 / X(c_1)` (Little's law on the measured level, so the curve is continuous)
 * [INF]; past the last level the plateau `X_max`.
 *
 * @example Usage
 * ```ts
 * import { profileCurve, throughputAt } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const level = (concurrency: number, throughput: number) => ({ concurrency, throughput,
 *   latencyMs: { p50: 1, p95: 1, p99: 1, mean: 1 }, cpuPercent: 50, memoryPercent: 20, errorRate: 0 });
 * const curve = profileCurve({ instanceType: "ml.c5.large", vCpus: 2, measuredOn: "test",
 *   levels: [level(1, 20), level(2, 40), level(4, 50)] });
 * assert.equal(throughputAt(curve, 0.5), 10);
 * assert.equal(throughputAt(curve, 3), 45);
 * assert.equal(throughputAt(curve, 100), 50);
 * ```
 */
export function throughputAt(
  curve: Pick<ProfileCurve, "concurrency" | "throughput" | "maxThroughput">,
  c: number,
): number {
  const cs = curve.concurrency;
  const xs = curve.throughput;
  if (!(c > 0)) return 0;
  if (c <= cs[0]) return xs[0] * c / cs[0];
  const k = cs.length - 1;
  if (c >= cs[k]) return curve.maxThroughput;
  const i = segmentIndex(cs, c);
  const w = (c - cs[i]) / (cs[i + 1] - cs[i]);
  return xs[i] + (xs[i + 1] - xs[i]) * w;
}

/**
 * The inverse of `X`: the smallest concurrency at which one instance completes `x` requests/s
 * (`x` above `X_max` gives the concurrency where the plateau starts).
 *
 * @example Usage
 * ```ts
 * import { concurrencyForThroughput, profileCurve } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const level = (concurrency: number, throughput: number) => ({ concurrency, throughput,
 *   latencyMs: { p50: 1, p95: 1, p99: 1, mean: 1 }, cpuPercent: 50, memoryPercent: 20, errorRate: 0 });
 * const curve = profileCurve({ instanceType: "ml.c5.large", vCpus: 2, measuredOn: "test",
 *   levels: [level(1, 20), level(2, 40), level(4, 50)] });
 * assert.equal(concurrencyForThroughput(curve, 45), 3);
 * ```
 */
export function concurrencyForThroughput(
  curve: Pick<ProfileCurve, "concurrency" | "throughput" | "maxThroughput">,
  x: number,
): number {
  const cs = curve.concurrency;
  const xs = curve.throughput;
  if (!(x > 0)) return 0;
  if (x <= xs[0]) return xs[0] === 0 ? cs[0] : cs[0] * x / xs[0];
  for (let i = 0; i + 1 < cs.length; i++) {
    if (x <= xs[i + 1]) {
      if (xs[i + 1] === xs[i]) return cs[i];
      return cs[i] + (cs[i + 1] - cs[i]) * (x - xs[i]) / (xs[i + 1] - xs[i]);
    }
  }
  return cs[cs.length - 1];
}

function segmentIndex(cs: readonly number[], c: number): number {
  // Largest i with cs[i] <= c (cs[0] <= c < cs[last] is guaranteed by the callers).
  let lo = 0;
  let hi = cs.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (cs[mid] <= c) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Index of the measured level nearest to concurrency `c` (ties go to the lower level). */
export function nearestLevel(curve: ProfileCurve, c: number): number {
  const cs = curve.concurrency;
  if (c <= cs[0]) return 0;
  if (c >= cs[cs.length - 1]) return cs.length - 1;
  const i = segmentIndex(cs, c);
  return c - cs[i] <= cs[i + 1] - c ? i : i + 1;
}

/** Error rate interpolated on concurrency, held flat outside the measured levels [INF]. */
export function errorRateAt(curve: ProfileCurve, c: number): number {
  const cs = curve.concurrency;
  const ls = curve.levels;
  let e: number;
  if (c <= cs[0]) e = ls[0].errorRate;
  else if (c >= cs[cs.length - 1]) e = ls[ls.length - 1].errorRate;
  else {
    const i = segmentIndex(cs, c);
    const w = (c - cs[i]) / (cs[i + 1] - cs[i]);
    e = ls[i].errorRate + (ls[i + 1].errorRate - ls[i].errorRate) * w;
  }
  return Number.isFinite(e) ? Math.min(Math.max(e, 0), 0.99) : 0;
}

/**
 * CPU (% summed over vCPUs) and memory (%) of one instance completing `x` requests/s,
 * interpolated on throughput, not on users (simulation-model.md §2). Below the first level CPU
 * scales from zero with throughput and memory holds the first level's value (the model stays
 * loaded) [INF]; past the last point both hold.
 *
 * @example Usage
 * ```ts
 * import { profileCurve, utilizationAt } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const level = (concurrency: number, throughput: number, cpuPercent: number) => ({ concurrency,
 *   throughput, latencyMs: { p50: 1, p95: 1, p99: 1, mean: 1 }, cpuPercent, memoryPercent: 20,
 *   errorRate: 0 });
 * const curve = profileCurve({ instanceType: "ml.c5.large", vCpus: 2, measuredOn: "test",
 *   levels: [level(1, 20, 50), level(2, 40, 100)] });
 * assert.deepEqual(utilizationAt(curve, 30), { cpu: 75, memory: 20 });
 * assert.deepEqual(utilizationAt(curve, 10), { cpu: 25, memory: 20 });
 * ```
 */
export function utilizationAt(curve: ProfileCurve, x: number): { cpu: number; memory: number } {
  const pts = curve.utilization;
  const first = pts[0];
  if (x <= first.throughput) {
    const cpu = first.throughput > 0 ? first.cpu * Math.max(x, 0) / first.throughput : first.cpu;
    return { cpu, memory: first.memory };
  }
  const last = pts[pts.length - 1];
  if (x >= last.throughput) return { cpu: last.cpu, memory: last.memory };
  let i = 0;
  while (pts[i + 1].throughput < x) i++;
  const a = pts[i];
  const b = pts[i + 1];
  const w = (x - a.throughput) / (b.throughput - a.throughput);
  return { cpu: a.cpu + (b.cpu - a.cpu) * w, memory: a.memory + (b.memory - a.memory) * w };
}
