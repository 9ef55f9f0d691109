/**
 * The built-in capacity profile `original`: one ml.c5.large serving the walkthrough's XGBoost
 * model on AWS, as the original's published runs describe it. It lets the local backend simulate
 * *that* endpoint instead of this machine (`--local-profile original`).
 *
 * Where each number comes from:
 *
 * - **Saturated throughput, 9,068 invocations per minute** (151.13 requests/s): the published
 *   notebook run's Default job on one ml.c5.large (issue 13 point 2; the analysis' 55 % / 45 %
 *   limits 4,987 / 4,081 are floor(0.55 x 9,068) / ceil(0.45 x 9,068)).
 * - **Unloaded per-request latency, 66 ms** (as the load generator sees it: model time plus the
 *   InvokeEndpoint round trip). Derived from the published Advanced run (SpawnRate 2 users a
 *   minute from 1 user; peak 39,783 invocations/min after 20–25 min with up to 8 instances): at
 *   its peak the fleet (at least five instances, 45,340/min) was not saturated, so each closed-loop
 *   user completed 60 s / L requests a minute and L = 60 x U / 39,783. The peak minute is the
 *   job's last, about minute 21.5 of its load (the middle of the published 20–25 min less the
 *   minute of set-up), when U = 1 + 2 x 21.5 = 44 users: L = 60 x 44 / 39,783 = 66 ms.
 * - **The knee**: the curve is a smoothed `min(c / L, X_max)` (`X = X_max · u / (1 + u⁴)^¼` with
 *   `u = c / (L · X_max)`, the usual closed-loop shape), so one instance reaches 98 % of its
 *   plateau at about 18 users and its plateau is exactly 9,068 from 2 x 9.97 users on. Assumption:
 *   no AWS source publishes the curve between these two points.
 * - **Percentiles**: p50 = 0.95, p95 = 1.6, p99 = 2.2 x the mean (`latencyFromMean`; an
 *   assumption: the published runs report only the mean ModelLatency; the run's P95 threshold of
 *   10,000 ms never binds).
 * - **CPUUtilization**: 4 % idle plus 192 % x X / X_max, summed over the 2 vCPUs (so a saturated
 *   instance reads 196 % of 200 %; the walkthrough's CPU target 100 = half of it). Assumption: the
 *   XGBoost container runs one worker per vCPU and is CPU-bound (inference-recommender.md §5).
 * - **MemoryUtilization**: 9 % (the model is a few MB; an assumption, no published value).
 * - **Errors**: none (the published runs report no 4XX/5XX).
 *
 * @module
 */
import { type CapacityProfile, latencyFromMean, type ProfileLevel } from "../profile.ts";

/** Saturated throughput of one ml.c5.large in the published Default job, invocations per minute. */
export const ORIGINAL_MAX_INVOCATIONS_PER_MINUTE = 9_068;
/** Unloaded per-request latency derived from the published Advanced run, ms (see the module doc). */
export const ORIGINAL_UNLOADED_LATENCY_MS = 66;

const X_MAX = ORIGINAL_MAX_INVOCATIONS_PER_MINUTE / 60;
/** Concurrency at which `c / L` meets `X_max`: 9.97 users. */
const KNEE = X_MAX * ORIGINAL_UNLOADED_LATENCY_MS / 1000;
const CONCURRENCY = [1, 2, 3, 4, 6, 8, 10, 12, 14, 16, 20, 24, 32, 48, 64];

function level(concurrency: number): ProfileLevel {
  const u = concurrency / KNEE;
  // From 2 x the knee on, the plateau is exactly X_max (the smoothed curve is within 0.2 % there).
  const throughput = u >= 2 ? X_MAX : X_MAX * u / Math.pow(1 + u ** 4, 0.25);
  const mean = concurrency / throughput * 1000; // Little's law on one instance, ms
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    concurrency,
    throughput,
    latencyMs: latencyFromMean(mean),
    cpuPercent: round(4 + 192 * throughput / X_MAX),
    memoryPercent: 9,
    errorRate: 0,
  };
}

/**
 * The `original` profile: the original's ml.c5.large (module doc: the source of every number).
 *
 * @example Usage
 * ```ts
 * import { ORIGINAL_PROFILE } from "./original.ts";
 * import assert from "node:assert/strict";
 * const top = ORIGINAL_PROFILE.levels.at(-1)!;
 * assert.equal(Math.round(top.throughput * 60), 9068);
 * assert.equal(ORIGINAL_PROFILE.instanceType, "ml.c5.large");
 * ```
 */
export const ORIGINAL_PROFILE: Readonly<CapacityProfile> = Object.freeze({
  instanceType: "ml.c5.large",
  vCpus: 2,
  measuredOn:
    "from profile, not measured: built-in profile 'original' (the walkthrough's published ml.c5.large runs on AWS: 9,068 invocations/min at saturation, 66 ms unloaded latency)",
  levels: CONCURRENCY.map(level),
});

/** The built-in profiles by name (`--local-profile NAME`). */
export const BUILT_IN_PROFILES: Readonly<Record<string, Readonly<CapacityProfile>>> = Object
  .freeze({ original: ORIGINAL_PROFILE });
