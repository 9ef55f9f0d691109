/**
 * One instance, closed loop (simulation-model.md §2): an instance's timeline, its operating point
 * under c users, and the fleet's at a moment.
 *
 * @module
 */
import {
  errorRateAt,
  nearestLevel,
  type ProfileCurve,
  throughputAt,
  utilizationAt,
} from "./curve.ts";

/** One instance behind a variant: its timeline (launch, in service, terminated). */
export interface InstanceRecord {
  /** Stable id, e.g. `i-0001`. */
  id: string;
  /** When it was requested. */
  launchedAt: number;
  /** When it starts taking traffic (launchedAt + provisioning delay). */
  inServiceAt: number;
  /** When it stopped taking traffic (scale-in, deletion); absent while it lives. */
  terminatedAt?: number;
}

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
 * import { instanceAt, profileCurve } from "./mod.ts";
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
 * import { fleetAt, profileCurve } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const curve = profileCurve({ instanceType: "ml.c5.large", vCpus: 2, measuredOn: "test", levels: [
 *   { concurrency: 1, throughput: 20, latencyMs: { p50: 45, p95: 80, p99: 100, mean: 50 },
 *     cpuPercent: 50, memoryPercent: 20, errorRate: 0 },
 *   { concurrency: 4, throughput: 50, latencyMs: { p50: 70, p95: 120, p99: 160, mean: 80 },
 *     cpuPercent: 125, memoryPercent: 21, errorRate: 0 }] });
 * const point = fleetAt(curve, { users: 12, instances: 3 }); // c = 4 on each of 3 instances
 * assert.equal(point.invocationsPerSecond, 150);
 * assert.equal(point.perInstance.latencyMs.mean, 80); // 12 users / 150 req/s
 * ```
 */
export function fleetAt(
  curve: ProfileCurve,
  load: { users: number; instances: number },
  options: FleetOptions = {},
  throughputFactor = 1,
): FleetPoint {
  const { users, instances } = load;
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
