/**
 * The fleet model of the local backend (`../shared/spec/simulation-model.md`): how a measured
 * single-instance capacity profile, the variant's instance timeline and a traffic pattern turn
 * into the per-period metrics that CloudWatch alarms and Application Auto Scaling act on.
 *
 * Pure functions over plain data, integrated by events (simulation-model.md §4): the state only
 * changes when the user count changes, an instance comes InService or leaves, or a metric period
 * closes, so one simulated hour is a few hundred constant pieces and no result depends on a step
 * size. Deterministic unless a noise seed is given (§6).
 *
 * Choices the spec leaves open are marked [INF] where they are made.
 *
 * @module
 */
import type { CapacityProfile, ProfileLevel } from "./profile.ts";
import type { InstanceRecord } from "../cloud/local/sagemaker/records.ts";
import type { MetricRow } from "../cloud/local/kernel/store.ts";
import { type TrafficPattern, userSchedule } from "../load/traffic_pattern.ts";

// ---------------------------------------------------------------------------------------------
// The profile curve (simulation-model.md §1)

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
 * import { profileCurve } from "./fleet.ts";
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
 * import { profileCurve, throughputAt } from "./fleet.ts";
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
 * import { concurrencyForThroughput, profileCurve } from "./fleet.ts";
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
function nearestLevel(curve: ProfileCurve, c: number): number {
  const cs = curve.concurrency;
  if (c <= cs[0]) return 0;
  if (c >= cs[cs.length - 1]) return cs.length - 1;
  const i = segmentIndex(cs, c);
  return c - cs[i] <= cs[i + 1] - c ? i : i + 1;
}

/** Error rate interpolated on concurrency, held flat outside the measured levels [INF]. */
function errorRateAt(curve: ProfileCurve, c: number): number {
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
 * import { profileCurve, utilizationAt } from "./fleet.ts";
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

// ---------------------------------------------------------------------------------------------
// One instance, closed loop (simulation-model.md §2)

/** Latency of requests, milliseconds. */
export interface LatencyPoint {
  mean: number;
  p50: number;
  p95: number;
  p99: number;
}

/** What one instance does at a constant operating point. */
export interface InstanceOperatingPoint {
  /** Requests in flight on the instance, including those queued in the container. */
  concurrency: number;
  /** Requests finished per second (successes and errors): what `Invocations` counts. */
  invocationsPerSecond: number;
  /** Successful requests per second. */
  successesPerSecond: number;
  /** Requests per second the container answered with a 5xx (the profile's measured error rate). */
  serverErrorsPerSecond: number;
  /** Requests per second that passed the invocation timeout (ModelError, not 5xx). */
  timeoutsPerSecond: number;
  /** Latency of the finished requests, ms (capped at the timeout). */
  latencyMs: LatencyPoint;
  /** CPUUtilization, % summed over vCPUs. */
  cpuPercent: number;
  /** MemoryUtilization, %. */
  memoryPercent: number;
}

/** Options of the fleet model. */
export interface FleetOptions {
  /**
   * Seconds after which a request fails as ModelError (autoscaling.md §6).
   * @default {60}
   */
  timeoutSeconds?: number;
  /**
   * Seed of the optional noise; `undefined` keeps the model deterministic (simulation-model.md §6).
   * @default {undefined}
   */
  noiseSeed?: number;
  /**
   * Largest relative change of an instance's throughput the noise makes, per metric period.
   * @default {0.05}
   */
  noiseAmplitude?: number;
  /**
   * Seconds of a standard metric period.
   * @default {60}
   */
  periodSeconds?: number;
  /**
   * Seconds of a high-resolution (ConcurrentRequestsPerModel) period.
   * @default {10}
   */
  highResolutionPeriodSeconds?: number;
}

/**
 * One instance with `c` closed-loop users (no think time). Below the timeout, Little's law gives
 * the mean latency `c / X(c)`; the profile's percentile-to-mean ratios at the nearest measured
 * level give the percentiles. Past `c = X_max x timeout` every user waits the whole timeout: the
 * instance still completes `X_max` requests/s, each user cycles once per timeout, and the rest
 * of the cycles end as timeouts (ModelError) [INF]. `throughputFactor` scales the curve (noise).
 *
 * @example Usage
 * ```ts
 * import { instanceAt, profileCurve } from "./fleet.ts";
 * import assert from "node:assert/strict";
 * const curve = profileCurve({ instanceType: "ml.c5.large", vCpus: 2, measuredOn: "test", levels: [
 *   { concurrency: 1, throughput: 20, latencyMs: { p50: 45, p95: 80, p99: 100, mean: 50 },
 *     cpuPercent: 50, memoryPercent: 20, errorRate: 0 },
 *   { concurrency: 2, throughput: 40, latencyMs: { p50: 45, p95: 80, p99: 100, mean: 50 },
 *     cpuPercent: 100, memoryPercent: 20, errorRate: 0 }] });
 * const point = instanceAt(curve, 200, { timeoutSeconds: 1 });
 * assert.equal(point.successesPerSecond, 40);
 * assert.equal(point.invocationsPerSecond, 200); // every user cycles once per 1 s timeout
 * assert.equal(point.timeoutsPerSecond, 160);
 * ```
 */
export function instanceAt(
  curve: ProfileCurve,
  c: number,
  options: FleetOptions = {},
  throughputFactor = 1,
): InstanceOperatingPoint {
  const timeout = options.timeoutSeconds ?? 60;
  if (!(c > 0)) {
    const idle = utilizationAt(curve, 0);
    return {
      concurrency: 0,
      invocationsPerSecond: 0,
      successesPerSecond: 0,
      serverErrorsPerSecond: 0,
      timeoutsPerSecond: 0,
      latencyMs: { mean: 0, p50: 0, p95: 0, p99: 0 },
      cpuPercent: idle.cpu,
      memoryPercent: idle.memory,
    };
  }
  const x = throughputAt(curve, c) * throughputFactor;
  const e = errorRateAt(curve, c);
  // The profile's throughput counts successes; its errors come on top of them.
  let attempts = x / (1 - e);
  let serverErrors = attempts - x;
  let timeouts = 0;
  let meanS = attempts > 0 ? c / attempts : timeout;
  if (meanS > timeout) {
    meanS = timeout;
    attempts = c / timeout;
    serverErrors = Math.min(serverErrors, attempts - x);
    timeouts = attempts - x - serverErrors;
  }
  const level = curve.levels[nearestLevel(curve, c)].latencyMs;
  const ratio = (p: number) => (level.mean > 0 && Number.isFinite(p) ? p / level.mean : 1);
  const meanMs = meanS * 1000;
  const capMs = timeout * 1000;
  const util = utilizationAt(curve, x);
  return {
    concurrency: c,
    invocationsPerSecond: attempts,
    successesPerSecond: x,
    serverErrorsPerSecond: serverErrors,
    timeoutsPerSecond: timeouts,
    latencyMs: {
      mean: meanMs,
      p50: Math.min(meanMs * ratio(level.p50), capMs),
      p95: Math.min(meanMs * ratio(level.p95), capMs),
      p99: Math.min(meanMs * ratio(level.p99), capMs),
    },
    cpuPercent: util.cpu,
    memoryPercent: util.memory,
  };
}

/** The whole variant at one moment. */
export interface FleetPoint {
  /** Users sending to this variant. */
  users: number;
  /** Instances InService. */
  instances: number;
  /** Each InService instance (all alike: the load is spread evenly). */
  perInstance: InstanceOperatingPoint;
  /** Requests finished per second by the variant: `N x X(U / N)` plus errors. */
  invocationsPerSecond: number;
}

/**
 * Closed-loop users over `N` InService instances (simulation-model.md §2): per-instance
 * concurrency `c = U / N`, fleet throughput `T = N · X(c)`, mean latency `U / T` (Little).
 * With no instance InService nothing is served [INF].
 *
 * @example Usage
 * ```ts
 * import { fleetAt, profileCurve } from "./fleet.ts";
 * import assert from "node:assert/strict";
 * const curve = profileCurve({ instanceType: "ml.c5.large", vCpus: 2, measuredOn: "test", levels: [
 *   { concurrency: 1, throughput: 20, latencyMs: { p50: 45, p95: 80, p99: 100, mean: 50 },
 *     cpuPercent: 50, memoryPercent: 20, errorRate: 0 },
 *   { concurrency: 4, throughput: 50, latencyMs: { p50: 70, p95: 120, p99: 160, mean: 80 },
 *     cpuPercent: 125, memoryPercent: 21, errorRate: 0 }] });
 * const point = fleetAt(curve, 12, 3); // c = 4 on each of 3 instances
 * assert.equal(point.invocationsPerSecond, 150);
 * assert.equal(point.perInstance.latencyMs.mean, 80); // 12 users / 150 req/s
 * ```
 */
export function fleetAt(
  curve: ProfileCurve,
  users: number,
  instances: number,
  options: FleetOptions = {},
  throughputFactor = 1,
): FleetPoint {
  if (instances <= 0) {
    return {
      users,
      instances: 0,
      perInstance: instanceAt(curve, 0, options),
      invocationsPerSecond: 0,
    };
  }
  const perInstance = instanceAt(curve, users / instances, options, throughputFactor);
  return {
    users,
    instances,
    perInstance,
    invocationsPerSecond: perInstance.invocationsPerSecond * instances,
  };
}

// ---------------------------------------------------------------------------------------------
// Open-loop arrivals (simulation-model.md §3)

/** Result of running an open-loop arrival rate for a while. */
export interface OpenLoopSegment {
  /** Requests finished (served or timed out). */
  invocations: number;
  /** Requests that waited past the timeout (ModelError). */
  timeouts: number;
  /** Σ latency over the served requests, ms. */
  latencyMsSum: number;
  /** Requests queued across the variant at the end. */
  backlogEnd: number;
  /** Time-average of the requests in flight per instance (ConcurrentRequestsPerModel). */
  meanConcurrency: number;
  /** Throughput of one instance during the segment, requests/s (for utilization). */
  perInstanceThroughput: number;
}

/**
 * Open-loop arrivals at `lambda` requests/s spread over `N` instances for `seconds`, starting
 * with `backlog` requests queued across the variant (simulation-model.md §3). At or under the
 * plateau each instance runs at the concurrency where `X(c) = lambda / N`; above it a backlog
 * grows at `lambda − N·X_max` per second, latency is the saturated latency plus
 * `backlog / (N·X_max)`, and arrivals that would wait past the timeout fail as ModelError. A
 * backlog left from earlier drains at the spare capacity. The backlog is shared across the
 * instances InService (new instances take share once InService) [INF].
 *
 * @example Usage
 * ```ts
 * import { openLoopSegment, profileCurve } from "./fleet.ts";
 * import assert from "node:assert/strict";
 * const curve = profileCurve({ instanceType: "ml.c5.large", vCpus: 2, measuredOn: "test", levels: [
 *   { concurrency: 2, throughput: 50, latencyMs: { p50: 40, p95: 40, p99: 40, mean: 40 },
 *     cpuPercent: 100, memoryPercent: 20, errorRate: 0 }] });
 * const over = openLoopSegment(curve, 60, 1, 0, 10); // 10 req/s more than one instance completes
 * assert.equal(over.invocations, 500);
 * assert.equal(over.backlogEnd, 100);
 * ```
 */
export function openLoopSegment(
  curve: ProfileCurve,
  lambda: number,
  instances: number,
  backlog: number,
  seconds: number,
  options: FleetOptions = {},
  throughputFactor = 1,
): OpenLoopSegment {
  const timeout = options.timeoutSeconds ?? 60;
  if (instances <= 0 || seconds <= 0) {
    return {
      invocations: 0,
      timeouts: 0,
      latencyMsSum: 0,
      backlogEnd: backlog,
      meanConcurrency: 0,
      perInstanceThroughput: 0,
    };
  }
  const xMax = curve.maxThroughput * throughputFactor;
  const capacity = instances * xMax; // requests/s the variant completes when saturated
  const cSat = curve.concurrency[curve.concurrency.length - 1];
  const baseSat = cSat / curve.maxThroughput; // s, latency at the start of the plateau
  const maxBacklog = capacity * timeout; // a longer queue waits past the timeout
  let t = 0;
  let b = Math.min(backlog, maxBacklog);
  let invocations = 0;
  let timeouts = 0;
  let latencySum = 0;
  let concurrencyIntegral = 0;
  let served = 0; // served requests, for per-instance throughput
  // Phase 1: draining a backlog (lambda under capacity) or growing one (lambda over capacity).
  while (t < seconds - 1e-12) {
    const left = seconds - t;
    if (b <= 1e-12 && lambda <= capacity) {
      // Steady: each instance at X(c) = lambda / N.
      const perInstance = lambda / instances / throughputFactor;
      const c = concurrencyForThroughput(curve, perInstance);
      const meanS = perInstance > 0 ? c / perInstance : 0;
      const n = lambda * left;
      invocations += n;
      served += n;
      latencySum += n * meanS;
      concurrencyIntegral += c * left;
      b = 0;
      break;
    }
    const growth = lambda - capacity; // backlog change per second
    let dt = left;
    if (growth < 0) dt = Math.min(left, b / -growth);
    else if (growth > 0) dt = Math.min(left, Math.max(0, (maxBacklog - b) / growth));
    if (dt <= 1e-12 && growth > 0) {
      // Queue full: capacity served, the excess arrivals time out.
      const n = capacity * left;
      invocations += n + growth * left;
      served += n;
      timeouts += growth * left;
      latencySum += n * Math.min(baseSat + b / capacity, timeout);
      concurrencyIntegral += (cSat + b / instances) * left;
      break;
    }
    const bEnd = b + growth * dt;
    const bMean = (b + bEnd) / 2;
    const n = capacity * dt;
    invocations += n;
    served += n;
    latencySum += n * Math.min(baseSat + bMean / capacity, timeout);
    concurrencyIntegral += (cSat + bMean / instances) * dt;
    b = Math.max(bEnd, 0);
    t += dt;
    if (growth === 0) break;
  }
  return {
    invocations,
    timeouts,
    latencyMsSum: latencySum * 1000,
    backlogEnd: b,
    meanConcurrency: concurrencyIntegral / seconds,
    perInstanceThroughput: served / seconds / instances,
  };
}

// ---------------------------------------------------------------------------------------------
// Load over time: users from a traffic pattern, or arrival rates

/** From `at` (epoch ms) on, until the next step, `value` users (or requests/s). */
export interface LoadStep {
  /** Epoch milliseconds. */
  at: number;
  /** Users (closed loop) or arrivals per second (open loop). */
  value: number;
}

/** The load on a variant over time: a step function, zero before the first step. */
export interface LoadTimeline {
  /** `users`: closed-loop users (Inference Recommender); `arrivals`: open-loop requests/s. */
  kind: "users" | "arrivals";
  /** Steps in time order. */
  steps: readonly LoadStep[];
}

/**
 * The users of a traffic pattern started at `start` (epoch ms), as a step function that drops to
 * zero when the pattern ends (simulation-model.md §4). The spawn arithmetic is the load
 * generator's ({@linkcode userSchedule} in `load/traffic_pattern.ts`): PHASES add `SpawnRate`
 * users per **minute** as whole users at evenly spaced instants (`60 / SpawnRate` s apart),
 * each phase starting afresh at its `InitialNumberOfUsers` (the docs are silent on carry-over);
 * STAIRS step `k` holds `k x UsersPerStep` users.
 *
 * @example Usage
 * ```ts
 * import { usersTimeline } from "./fleet.ts";
 * import assert from "node:assert/strict";
 * const timeline = usersTimeline({ TrafficType: "PHASES",
 *   Phases: [{ InitialNumberOfUsers: 1, SpawnRate: 2, DurationInSeconds: 120 }] }, 0);
 * assert.deepEqual(timeline.steps.map((s) => [s.at / 1000, s.value]),
 *   [[0, 1], [30, 2], [60, 3], [90, 4], [120, 0]]);
 * ```
 */
export function usersTimeline(pattern: TrafficPattern, start: number): LoadTimeline {
  return {
    kind: "users",
    steps: userSchedule(pattern).map((s) => ({ at: start + s.atSeconds * 1000, value: s.users })),
  };
}

/**
 * The load cut off at `end` (epoch ms): zero from `end` on (a job stopped, or its deadline).
 *
 * @example Usage
 * ```ts
 * import { truncateLoad } from "./fleet.ts";
 * import assert from "node:assert/strict";
 * const cut = truncateLoad({ kind: "users", steps: [{ at: 0, value: 1 }, { at: 60_000, value: 0 }] }, 30_000);
 * assert.deepEqual(cut.steps, [{ at: 0, value: 1 }, { at: 30_000, value: 0 }]);
 * ```
 */
export function truncateLoad(timeline: LoadTimeline, end: number): LoadTimeline {
  const steps = timeline.steps.filter((s) => s.at < end);
  steps.push({ at: end, value: 0 });
  return { kind: timeline.kind, steps: mergeSteps(steps) };
}

function mergeSteps(steps: LoadStep[]): LoadStep[] {
  const out: LoadStep[] = [];
  for (const s of steps) {
    const last = out[out.length - 1];
    if (last !== undefined && last.at === s.at) last.value = s.value;
    else if (last !== undefined && last.value === s.value) continue;
    else out.push({ at: s.at, value: s.value });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Event-wise integration over a window (simulation-model.md §4, §5)

/** Count, sum, minimum and maximum of a metric's values in one period (a CloudWatch statistic set). */
export interface StatisticSet {
  sampleCount: number;
  sum: number;
  min: number;
  max: number;
}

/** A statistic set with a distribution of values (for percentiles). */
export interface Distribution extends StatisticSet {
  values: number[];
  counts: number[];
}

/** Metrics of one standard period (60 s) of one variant. */
export interface FleetPeriod {
  /** Period start, epoch ms (a multiple of the period). */
  start: number;
  /** Seconds of the period that the integrated window covered. */
  coveredSeconds: number;
  /** `Invocations`: requests finished (successes and errors), a whole number. */
  invocations: number;
  /** `InvocationsPerInstance`: Σ over requests of 1 / instances InService at that moment. */
  invocationsPerInstance: number;
  /** `InvocationModelErrors`: timeouts and 5xx, a whole number. */
  modelErrors: number;
  /** `Invocation5XXErrors`: 5xx answers (the profile's error rate), a whole number. */
  serverErrors: number;
  /** `ModelLatency` in microseconds; absent when no request finished. */
  modelLatencyUs: Distribution | undefined;
  /** Request-weighted latency of the period (mean and percentiles of the distribution), ms. */
  latencyMs: LatencyPoint | undefined;
  /** `CPUUtilization`: one datapoint per instance InService in the period (its average). */
  cpuUtilization: StatisticSet | undefined;
  /** `MemoryUtilization`, like CPU. */
  memoryUtilization: StatisticSet | undefined;
  /** Time-average of the users over the covered seconds. */
  meanUsers: number;
  /** Users at the end of the covered part. */
  usersAtEnd: number;
  /** Most instances InService at once in the period. */
  maxInstances: number;
}

/** One high-resolution period (10 s). */
export interface FleetHighResolutionPeriod {
  /** Period start, epoch ms. */
  start: number;
  /** Seconds covered. */
  coveredSeconds: number;
  /**
   * `ConcurrentRequestsPerModel`: requests in flight per instance (one datapoint: the time-average;
   * min/max over the period); absent when no instance was InService.
   */
  concurrency: StatisticSet | undefined;
}

/** Fractional counts carried from one window to the next, so whole-number metrics add up. */
export interface FleetCarry {
  /** Requests finished so far (unrounded). */
  invocations: number;
  /** Model errors so far (unrounded). */
  modelErrors: number;
  /** 5xx so far (unrounded). */
  serverErrors: number;
  /** Open loop: requests queued across the variant. */
  backlog: number;
}

/** What {@linkcode integrateFleet} needs. */
export interface FleetWindowInput {
  /** The variant's instance profile. */
  curve: ProfileCurve;
  /** Users (or arrivals) sent to this variant. */
  load: LoadTimeline;
  /** The variant's instance timeline (records.ts). */
  instances: readonly InstanceRecord[];
  /** Window start, epoch ms. */
  start: number;
  /** Window end (exclusive), epoch ms. */
  end: number;
  /** Model options. */
  options?: FleetOptions;
  /** Counts carried from the previous window. */
  carry?: FleetCarry;
}

/** What {@linkcode integrateFleet} returns. */
export interface FleetWindow {
  /** Standard periods overlapping the window, in time order. */
  periods: FleetPeriod[];
  /** High-resolution periods overlapping the window, in time order. */
  highResolution: FleetHighResolutionPeriod[];
  /** Requests each instance finished in the window (unrounded), by instance id. */
  invocationsByInstance: Record<string, number>;
  /** Requests the variant finished in the window (unrounded). */
  invocations: number;
  /** Counts to pass to the next window. */
  carry: FleetCarry;
}

/** An empty carry. */
export const NO_CARRY: Readonly<FleetCarry> = Object.freeze({
  invocations: 0,
  modelErrors: 0,
  serverErrors: 0,
  backlog: 0,
});

interface InstanceEdge {
  at: number;
  delta: 1 | -1;
  index: number;
}

interface PeriodAccumulator {
  period: FleetPeriod;
  fluidStart: FleetCarry;
  latency: Map<number, number>;
  latencyWeightedSum: number;
  latencyCount: number;
  util: Map<number, { seconds: number; cpu: number; memory: number }>;
  usersIntegral: number;
}

/**
 * Integrates the fleet over `[start, end)` piece by piece and returns per-period metrics: 60 s
 * periods for the invocation, latency and utilization metrics, 10 s periods for
 * ConcurrentRequestsPerModel (simulation-model.md §5). The pieces are cut at every load step,
 * every instance coming InService or leaving, and every period boundary; within a piece
 * everything is constant, so requests = rate x duration and each counts 1/N towards
 * InvocationsPerInstance. Whole-number counts (Invocations, errors) are the differences of the
 * rounded running totals, so they add up over periods and windows (pass `carry` on).
 *
 * @example Usage
 * ```ts
 * import { integrateFleet, profileCurve } from "./fleet.ts";
 * import assert from "node:assert/strict";
 * const curve = profileCurve({ instanceType: "ml.c5.large", vCpus: 2, measuredOn: "test", levels: [
 *   { concurrency: 4, throughput: 50, latencyMs: { p50: 70, p95: 120, p99: 160, mean: 80 },
 *     cpuPercent: 125, memoryPercent: 21, errorRate: 0 }] });
 * // 8 users on 2 instances for a minute: c = 4, 2 x 50 req/s x 60 s.
 * const window = integrateFleet({ curve, start: 0, end: 60_000,
 *   load: { kind: "users", steps: [{ at: 0, value: 8 }] },
 *   instances: [{ id: "a", launchedAt: 0, inServiceAt: 0 }, { id: "b", launchedAt: 0, inServiceAt: 0 }] });
 * assert.equal(window.periods[0].invocations, 6000);
 * assert.equal(window.periods[0].invocationsPerInstance, 3000);
 * assert.equal(window.highResolution[0].concurrency?.sum, 4);
 * ```
 */
export function integrateFleet(input: FleetWindowInput): FleetWindow {
  const { curve, load, instances, start, end } = input;
  const options = input.options ?? {};
  const periodMs = (options.periodSeconds ?? 60) * 1000;
  const hiMs = (options.highResolutionPeriodSeconds ?? 10) * 1000;
  const carry: FleetCarry = { ...(input.carry ?? NO_CARRY) };
  const result: FleetWindow = {
    periods: [],
    highResolution: [],
    invocationsByInstance: {},
    invocations: 0,
    carry,
  };
  if (!(end > start)) return result;

  // Instance edges inside the window; the set InService at `start` is the starting point.
  const inService = new Set<number>();
  const edges: InstanceEdge[] = [];
  for (let i = 0; i < instances.length; i++) {
    const inst = instances[i];
    const off = inst.terminatedAt ?? Infinity;
    if (inst.inServiceAt <= start && off > start) inService.add(i);
    if (inst.inServiceAt > start && inst.inServiceAt < end && off > inst.inServiceAt) {
      edges.push({ at: inst.inServiceAt, delta: 1, index: i });
    }
    if (off > start && off < end && off > inst.inServiceAt) {
      edges.push({ at: off, delta: -1, index: i });
    }
  }
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);

  // Load steps inside the window.
  const steps = load.steps;
  let stepIndex = 0;
  while (stepIndex < steps.length && steps[stepIndex].at <= start) stepIndex++;
  let loadValue = stepIndex > 0 ? steps[stepIndex - 1].value : 0;

  let edgeIndex = 0;
  let t = start;
  let period: PeriodAccumulator | undefined;
  let hi: {
    p: FleetHighResolutionPeriod;
    integral: number;
    min: number;
    max: number;
    seconds: number;
  } | undefined;
  const noise = options.noiseSeed === undefined
    ? undefined
    : { seed: options.noiseSeed, amplitude: options.noiseAmplitude ?? 0.05 };

  while (t < end) {
    // Open the periods that contain t.
    const pStart = Math.floor(t / periodMs) * periodMs;
    if (period === undefined || period.period.start !== pStart) {
      if (period !== undefined) result.periods.push(closePeriod(period, carry));
      period = openPeriod(pStart, carry);
    }
    const hStart = Math.floor(t / hiMs) * hiMs;
    if (hi === undefined || hi.p.start !== hStart) {
      if (hi !== undefined) result.highResolution.push(closeHighRes(hi));
      hi = {
        p: { start: hStart, coveredSeconds: 0, concurrency: undefined },
        integral: 0,
        min: Infinity,
        max: -Infinity,
        seconds: 0,
      };
    }
    // Apply every change at t.
    while (edgeIndex < edges.length && edges[edgeIndex].at <= t) {
      const e = edges[edgeIndex++];
      if (e.delta > 0) inService.add(e.index);
      else inService.delete(e.index);
    }
    while (stepIndex < steps.length && steps[stepIndex].at <= t) {
      loadValue = steps[stepIndex++].value;
    }
    // The piece runs to the next change.
    let next = Math.min(end, pStart + periodMs, hStart + hiMs);
    if (edgeIndex < edges.length) next = Math.min(next, edges[edgeIndex].at);
    if (stepIndex < steps.length) next = Math.min(next, steps[stepIndex].at);
    const seconds = (next - t) / 1000;
    const n = inService.size;
    const factor = noise === undefined ? 1 : noiseFactor(noise.seed, noise.amplitude, pStart);

    let finished = 0;
    let timeouts = 0;
    let serverErrors = 0;
    let latency: LatencyPoint | undefined;
    let perInstanceConcurrency = 0;
    let util = utilizationAt(curve, 0);
    if (load.kind === "users") {
      const point = fleetAt(curve, loadValue, n, options, factor);
      finished = point.invocationsPerSecond * seconds;
      timeouts = point.perInstance.timeoutsPerSecond * n * seconds;
      serverErrors = point.perInstance.serverErrorsPerSecond * n * seconds;
      latency = point.perInstance.latencyMs;
      perInstanceConcurrency = point.perInstance.concurrency;
      util = { cpu: point.perInstance.cpuPercent, memory: point.perInstance.memoryPercent };
    } else {
      const seg = openLoopSegment(curve, loadValue, n, carry.backlog, seconds, options, factor);
      finished = seg.invocations;
      timeouts = seg.timeouts;
      carry.backlog = seg.backlogEnd;
      const served = finished - timeouts;
      if (served > 0) {
        const meanMs = seg.latencyMsSum / served;
        const level = curve.levels[nearestLevel(curve, seg.meanConcurrency)].latencyMs;
        const cap = (options.timeoutSeconds ?? 60) * 1000;
        const base = level.mean > 0 ? meanMs / level.mean : 1;
        latency = {
          mean: finished > 0 ? (seg.latencyMsSum + timeouts * cap) / finished : meanMs,
          p50: Math.min(level.p50 * base, cap),
          p95: Math.min(level.p95 * base, cap),
          p99: Math.min(level.p99 * base, cap),
        };
      } else if (timeouts > 0) {
        const cap = (options.timeoutSeconds ?? 60) * 1000;
        latency = { mean: cap, p50: cap, p95: cap, p99: cap };
      }
      perInstanceConcurrency = seg.meanConcurrency;
      util = utilizationAt(curve, seg.perInstanceThroughput);
    }

    // Accumulate.
    const acc = period;
    acc.period.coveredSeconds += seconds;
    acc.usersIntegral += loadValue * seconds;
    acc.period.usersAtEnd = loadValue;
    acc.period.maxInstances = Math.max(acc.period.maxInstances, n);
    carry.invocations += finished;
    carry.modelErrors += timeouts + serverErrors;
    carry.serverErrors += serverErrors;
    result.invocations += finished;
    if (n > 0) {
      acc.period.invocationsPerInstance += finished / n;
      for (const i of inService) {
        const id = instances[i].id;
        result.invocationsByInstance[id] = (result.invocationsByInstance[id] ?? 0) + finished / n;
        const u = acc.util.get(i);
        if (u === undefined) {
          acc.util.set(i, { seconds, cpu: util.cpu * seconds, memory: util.memory * seconds });
        } else {
          u.seconds += seconds;
          u.cpu += util.cpu * seconds;
          u.memory += util.memory * seconds;
        }
      }
      hi.integral += perInstanceConcurrency * seconds;
      hi.seconds += seconds;
      hi.min = Math.min(hi.min, perInstanceConcurrency);
      hi.max = Math.max(hi.max, perInstanceConcurrency);
    }
    hi.p.coveredSeconds += seconds;
    if (finished > 0 && latency !== undefined) {
      acc.latencyWeightedSum += latency.mean * finished;
      acc.latencyCount += finished;
      // A small distribution that reproduces p50 / p95 / p99 by nearest rank (see closePeriod).
      addWeight(acc.latency, latency.p50, finished * 0.501);
      addWeight(acc.latency, latency.p95, finished * 0.45);
      addWeight(acc.latency, latency.p99, finished * 0.049);
    }
    t = next;
  }
  if (period !== undefined) result.periods.push(closePeriod(period, carry));
  if (hi !== undefined) result.highResolution.push(closeHighRes(hi));
  return result;
}

function addWeight(map: Map<number, number>, value: number, weight: number): void {
  map.set(value, (map.get(value) ?? 0) + weight);
}

function openPeriod(start: number, carry: FleetCarry): PeriodAccumulator {
  return {
    period: {
      start,
      coveredSeconds: 0,
      invocations: 0,
      invocationsPerInstance: 0,
      modelErrors: 0,
      serverErrors: 0,
      modelLatencyUs: undefined,
      latencyMs: undefined,
      cpuUtilization: undefined,
      memoryUtilization: undefined,
      meanUsers: 0,
      usersAtEnd: 0,
      maxInstances: 0,
    },
    fluidStart: { ...carry },
    latency: new Map(),
    latencyWeightedSum: 0,
    latencyCount: 0,
    util: new Map(),
    usersIntegral: 0,
  };
}

function closePeriod(acc: PeriodAccumulator, carry: FleetCarry): FleetPeriod {
  const p = acc.period;
  const whole = (now: number, before: number) => Math.round(now) - Math.round(before);
  p.invocations = whole(carry.invocations, acc.fluidStart.invocations);
  p.modelErrors = whole(carry.modelErrors, acc.fluidStart.modelErrors);
  p.serverErrors = whole(carry.serverErrors, acc.fluidStart.serverErrors);
  p.meanUsers = p.coveredSeconds > 0 ? acc.usersIntegral / p.coveredSeconds : 0;
  if (acc.latencyCount > 0 && p.invocations > 0) {
    // Scale the distribution to the whole-number request count (SampleCount = Invocations).
    const scale = p.invocations / acc.latencyCount;
    const entries = [...acc.latency.entries()].sort((a, b) => a[0] - b[0]);
    const values = entries.map(([ms]) => ms * 1000);
    const counts = entries.map(([, w]) => w * scale);
    const meanMs = acc.latencyWeightedSum / acc.latencyCount;
    p.modelLatencyUs = {
      sampleCount: p.invocations,
      sum: meanMs * 1000 * p.invocations,
      min: values[0],
      max: values[values.length - 1],
      values,
      counts,
    };
    p.latencyMs = {
      mean: meanMs,
      p50: distributionPercentile(values, counts, 50) / 1000,
      p95: distributionPercentile(values, counts, 95) / 1000,
      p99: distributionPercentile(values, counts, 99) / 1000,
    };
  }
  if (acc.util.size > 0) {
    const cpu: number[] = [];
    const memory: number[] = [];
    for (const u of acc.util.values()) {
      if (u.seconds <= 0) continue;
      cpu.push(u.cpu / u.seconds);
      memory.push(u.memory / u.seconds);
    }
    if (cpu.length > 0) {
      p.cpuUtilization = statisticSet(cpu);
      p.memoryUtilization = statisticSet(memory);
    }
  }
  return p;
}

function statisticSet(values: number[]): StatisticSet {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    sum += v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return { sampleCount: values.length, sum, min, max };
}

function closeHighRes(
  hi: { p: FleetHighResolutionPeriod; integral: number; min: number; max: number; seconds: number },
): FleetHighResolutionPeriod {
  if (hi.seconds > 0) {
    const avg = hi.integral / hi.seconds;
    hi.p.concurrency = { sampleCount: 1, sum: avg, min: hi.min, max: hi.max };
  }
  return hi.p;
}

/**
 * The `p`-th percentile (0–100) of a distribution by nearest rank: the smallest value whose
 * cumulative count reaches `p` % of the total.
 *
 * @example Usage
 * ```ts
 * import { distributionPercentile } from "./fleet.ts";
 * import assert from "node:assert/strict";
 * assert.equal(distributionPercentile([10, 20, 30], [50.1, 45, 4.9], 95), 20);
 * assert.equal(distributionPercentile([10, 20, 30], [50.1, 45, 4.9], 99), 30);
 * ```
 */
export function distributionPercentile(
  values: readonly number[],
  counts: readonly number[],
  p: number,
): number {
  let total = 0;
  for (const c of counts) total += c;
  const target = total * p / 100;
  let cumulative = 0;
  for (let i = 0; i < values.length; i++) {
    cumulative += counts[i];
    if (cumulative >= target * (1 - 1e-12)) return values[i];
  }
  return values[values.length - 1];
}

/**
 * The seeded noise factor of one period: a value in `[1 − amplitude, 1 + amplitude]` that depends
 * only on the seed and the period start, so results do not depend on how a window is cut.
 *
 * @example Usage
 * ```ts
 * import { noiseFactor } from "./fleet.ts";
 * import assert from "node:assert/strict";
 * const f = noiseFactor(42, 0.05, 60_000);
 * assert.equal(f, noiseFactor(42, 0.05, 60_000));
 * assert.ok(f >= 0.95 && f <= 1.05);
 * ```
 */
export function noiseFactor(seed: number, amplitude: number, periodStart: number): number {
  // mulberry32 over a mix of the seed and the period index.
  let a = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.floor(periodStart / 1000)) >>> 0;
  a = (a + 0x6d2b79f5) >>> 0;
  let r = Math.imul(a ^ (a >>> 15), a | 1);
  r ^= r + Math.imul(r ^ (r >>> 7), r | 61);
  const u = ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  return 1 + amplitude * (2 * u - 1);
}

// ---------------------------------------------------------------------------------------------
// Metric rows (local-backend.md "Metric conventions")

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
 * import { fleetMetricRows, integrateFleet, profileCurve } from "./fleet.ts";
 * import assert from "node:assert/strict";
 * const curve = profileCurve({ instanceType: "ml.c5.large", vCpus: 2, measuredOn: "test", levels: [
 *   { concurrency: 4, throughput: 50, latencyMs: { p50: 70, p95: 120, p99: 160, mean: 80 },
 *     cpuPercent: 125, memoryPercent: 21, errorRate: 0 }] });
 * const window = integrateFleet({ curve, start: 0, end: 60_000,
 *   load: { kind: "users", steps: [{ at: 0, value: 4 }] },
 *   instances: [{ id: "a", launchedAt: 0, inServiceAt: 0 }] });
 * const rows = fleetMetricRows(window, "my-endpoint", "AllTraffic");
 * const invocations = rows.find((r) => r.metricName === "Invocations");
 * assert.equal(invocations?.sum, 3000);
 * assert.equal(rows.filter((r) => r.metricName === "ConcurrentRequestsPerModel").length, 6);
 * ```
 */
export function fleetMetricRows(
  window: FleetWindow,
  endpointName: string,
  variantName: string,
  options: FleetMetricRowsOptions = {},
): MetricRow[] {
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
