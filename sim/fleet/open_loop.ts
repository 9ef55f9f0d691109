/**
 * Open-loop arrivals (simulation-model.md §3): a fixed arrival rate against the fleet's capacity,
 * with the backlog it builds.
 *
 * @module
 */
import { concurrencyForThroughput, type ProfileCurve } from "./curve.ts";
import type { FleetOptions } from "./instance.ts";

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
 * import { openLoopSegment, profileCurve } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const curve = profileCurve({ instanceType: "ml.c5.large", vCpus: 2, measuredOn: "test", levels: [
 *   { concurrency: 2, throughput: 50, latencyMs: { p50: 40, p95: 40, p99: 40, mean: 40 },
 *     cpuPercent: 100, memoryPercent: 20, errorRate: 0 }] });
 * const over = openLoopSegment(curve, { lambda: 60, instances: 1, backlog: 0, seconds: 10 }); // 10 req/s more than one instance completes
 * assert.equal(over.invocations, 500);
 * assert.equal(over.backlogEnd, 100);
 * ```
 */
export function openLoopSegment(
  curve: ProfileCurve,
  state: { lambda: number; instances: number; backlog: number; seconds: number },
  options: FleetOptions = {},
  throughputFactor = 1,
): OpenLoopSegment {
  const { lambda, instances, backlog, seconds } = state;
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
