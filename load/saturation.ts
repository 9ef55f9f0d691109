/**
 * A saturation ramp: closed-loop users raised level by level (1, 2, 3, 4, 6, 8, 12, 16, 24, ...)
 * until the target stops serving more, as the Inference Recommender *Default* job measures one
 * instance ("gradually increases the request and stops when the benchmark reaches saturation or
 * when 1 % of invocations fail", `../shared/spec/inference-recommender.md` §2).
 *
 * Each level adds users (the earlier ones keep running), waits `warmupSeconds`, then measures
 * `levelSeconds`. Levels start on whole seconds of the run, so each level is a set of the run's
 * 1 s intervals.
 *
 * Stop rules, checked after each level in this order:
 * - `ErrorRate`: the level's error rate is above `maxErrorRate` (default 1 %, the notebook's rule);
 * - `ModelLatencyThreshold`: the level's P95 latency is above `latencyP95Ms` (when given);
 * - `FlatInvocations` — **the flattening rule**: a level is *flat* when its successful requests
 *   per second are below `(1 + flatTolerance) ×` the best earlier level (default: less than 5 %
 *   more); the ramp stops after `flatLevels` consecutive flat levels (default 2). With users
 *   growing by 1.33–1.5× per level, an unsaturated server grows far more than 5 %;
 * - `MaxLevels`: `maxLevels` levels were measured;
 * - `Interrupted`: the signal was aborted.
 *
 * @module
 */

import type { Engine, Transport } from "./engine.ts";
import { createEngine } from "./select_engine.ts";
import {
  type ClosedInterval,
  type ErrorsByKind,
  IntervalTotals,
  processUsage,
} from "./interval_recorder.ts";
import {
  DEFAULT_TIMEOUT_MS,
  prepareRequests,
  type RequestOptions,
  validateRequestOptions,
} from "./run_load.ts";
import { flatPeriodStreak, flatStopDetail, type StopDecision } from "./stop_conditions.ts";
import { parseTarget } from "./target.ts";

/** Why a saturation ramp ended. */
export type SaturationStopReason =
  | "FlatInvocations"
  | "ErrorRate"
  | "ModelLatencyThreshold"
  | "MaxLevels"
  | "Interrupted";

/** Options of {@linkcode measureSaturation}. */
export interface SaturationOptions extends RequestOptions {
  /** Measured seconds per level (whole seconds). @default 10 */
  levelSeconds?: number;
  /** Seconds of warm-up after users are added, not measured (whole seconds). @default 1 */
  warmupSeconds?: number;
  /** Most levels to measure. @default 12 */
  maxLevels?: number;
  /** Users per level, increasing. @default saturationUserLevels(maxLevels) */
  userLevels?: number[];
  /** Stop when a level's error rate is above this fraction. @default 0.01 */
  maxErrorRate?: number;
  /** Stop when a level's P95 latency is above this, ms. @default no threshold */
  latencyP95Ms?: number;
  /** Growth below this fraction of the best earlier level is flat. @default 0.05 */
  flatTolerance?: number;
  /** Consecutive flat levels that end the ramp. @default 2 */
  flatLevels?: number;
  /** Called with each level once measured. @default none */
  onLevel?: (level: SaturationLevel) => void;
  /** Called with each 1 s interval (users, req/s...) for progress. @default none */
  onInterval?: (interval: ClosedInterval["stats"]) => void;
}

/** What one level of the ramp measured (its measured window, after warm-up). */
export interface SaturationLevel {
  /** Closed-loop users during the level. */
  users: number;
  /** Completed requests per second. */
  requestsPerSecond: number;
  /** Successful requests per second (the profile's `throughput`). */
  successesPerSecond: number;
  /** Median latency of successes, ms. */
  p50Ms: number;
  /** 95th percentile, ms. */
  p95Ms: number;
  /** 99th percentile, ms. */
  p99Ms: number;
  /** Mean, ms. */
  meanMs: number;
  /** Requests completed in the window. */
  requests: number;
  /** Failed requests in the window. */
  errors: number;
  /** `errors / requests` (0 when none completed). */
  errorRate: number;
  /** Failures by kind (`http-<status>`, `timeout`, `connection`). */
  errorsByKind: ErrorsByKind;
  /** Mean CPU % of the sampled processes, summed over cores (`null` without pids). */
  cpuPercent: number | null;
  /** Largest resident memory of the sampled processes, bytes (`null` without pids). */
  rssBytes: number | null;
  /** `rssBytes` as a % of this machine's memory (`null` without pids). */
  memoryPercent: number | null;
  /** Start of the measured window, ISO 8601. */
  startedAt: string;
  /** End of the measured window, ISO 8601. */
  endedAt: string;
}

/** The result of {@linkcode measureSaturation}. */
export interface SaturationResult {
  /** Target URL. */
  url: string;
  /** The transport that carried the requests. */
  transport: Transport;
  /** The measured levels in order (the level that tripped a stop rule included). */
  levels: SaturationLevel[];
  /** Why the ramp ended. */
  stopReason: SaturationStopReason;
  /** What was seen when it ended. */
  stopDetail: string;
  /** Best successful requests per second of any level. */
  maxSuccessesPerSecond: number;
  /** Users of that level. */
  usersAtMax: number;
  /** Measured seconds per level. */
  levelSeconds: number;
  /** Warm-up seconds per level. */
  warmupSeconds: number;
  /** The flattening rule in words, with its parameters. */
  flatRule: string;
  /** Start of the ramp, ISO 8601. */
  startedAt: string;
  /** End of the ramp, ISO 8601. */
  endedAt: string;
  /** Length of the ramp, s. */
  durationSeconds: number;
}

/**
 * The default users per level: 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, ... (each power of two and
 * the midpoint 1.5 times it), the first `count` of them.
 *
 * @example Usage
 * ```ts
 * import { saturationUserLevels } from "./saturation.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(saturationUserLevels(10), [1, 2, 3, 4, 6, 8, 12, 16, 24, 32]);
 * ```
 */
export function saturationUserLevels(count: number): number[] {
  const levels: number[] = [];
  for (let p = 1; levels.length < count; p *= 2) {
    levels.push(p);
    if (p >= 2 && levels.length < count) levels.push(p * 1.5);
  }
  return levels;
}

function wholeSeconds(value: number, name: string, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`Invalid ${name} ${value}: give a whole number of at least ${min}`);
  }
  return value;
}

/**
 * Judges a level against the stop rules (see the module doc); `levels` are all levels so far.
 *
 * @example Usage
 * ```ts
 * import { evaluateLevel } from "./saturation.ts";
 * import assert from "node:assert/strict";
 * const level = (users: number, successesPerSecond: number) => ({ users, successesPerSecond, errorRate: 0, p95Ms: 5 });
 * const rules = { maxErrorRate: 0.01, flatTolerance: 0.05, flatLevels: 2 };
 * assert.equal(evaluateLevel([level(1, 100), level(2, 190), level(3, 192)], rules), null);
 * assert.equal(evaluateLevel([level(1, 100), level(2, 190), level(3, 192), level(4, 195)], rules)?.reason, "FlatInvocations");
 * ```
 */
export function evaluateLevel(
  levels: ReadonlyArray<
    Pick<SaturationLevel, "users" | "successesPerSecond" | "errorRate" | "p95Ms">
  >,
  rules: { maxErrorRate: number; latencyP95Ms?: number; flatTolerance: number; flatLevels: number },
): StopDecision | null {
  const level = levels[levels.length - 1];
  if (!level) return null;
  if (level.errorRate > rules.maxErrorRate) {
    return {
      reason: "ErrorRate",
      detail: `Error rate ${(level.errorRate * 100).toFixed(2)} % at ${level.users} users passed ${
        (rules.maxErrorRate * 100).toFixed(2)
      } %`,
    };
  }
  if (rules.latencyP95Ms !== undefined && level.p95Ms > rules.latencyP95Ms) {
    return {
      reason: "ModelLatencyThreshold",
      detail: `P95 latency ${
        level.p95Ms.toFixed(1)
      } ms at ${level.users} users passed ${rules.latencyP95Ms} ms`,
    };
  }
  const streak = flatPeriodStreak(
    levels.map((l) => ({ users: l.users, requests: l.successesPerSecond })),
    rules.flatTolerance,
  );
  if (streak >= rules.flatLevels) {
    return {
      reason: "FlatInvocations",
      detail: flatStopDetail(
        levels.map((l) => ({ users: l.users, requests: l.successesPerSecond })),
        { tolerance: rules.flatTolerance, count: rules.flatLevels, unit: "req/s" },
      ),
    };
  }
  return null;
}

/**
 * Ramps closed-loop users against a target until it saturates (see the module doc) and returns
 * every level's throughput, latency, errors and the target processes' CPU and memory.
 *
 * @example Usage
 * ```ts
 * import { measureSaturation } from "./saturation.ts";
 * import assert from "node:assert/strict";
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response("ok"));
 * try {
 *   const result = await measureSaturation({
 *     url: `http://127.0.0.1:${server.addr.port}/`, levelSeconds: 1, warmupSeconds: 0, maxLevels: 2,
 *   });
 *   assert.deepEqual(result.levels.map((l) => l.users), [1, 2]);
 *   assert.equal(result.stopReason, "MaxLevels");
 *   assert.ok(result.levels[0].successesPerSecond > 0);
 * } finally {
 *   await server.shutdown();
 * }
 * ```
 */
export async function measureSaturation(options: SaturationOptions): Promise<SaturationResult> {
  validateRequestOptions(options);
  const levelSeconds = wholeSeconds(options.levelSeconds ?? 10, "level length (s)", 1);
  const warmupSeconds = wholeSeconds(options.warmupSeconds ?? 1, "warm-up (s)", 0);
  const maxLevels = wholeSeconds(options.maxLevels ?? 12, "number of levels", 1);
  const userLevels = (options.userLevels ?? saturationUserLevels(maxLevels)).slice(0, maxLevels);
  if (userLevels.length === 0) throw new RangeError("Cannot ramp: give at least one user level");
  userLevels.forEach((u, i) => {
    if (!Number.isInteger(u) || u < 1 || (i > 0 && u <= userLevels[i - 1])) {
      throw new RangeError(
        `Invalid user levels ${JSON.stringify(userLevels)}: give increasing whole numbers from 1`,
      );
    }
  });
  const maxErrorRate = options.maxErrorRate ?? 0.01;
  if (!(maxErrorRate >= 0 && maxErrorRate <= 1)) {
    throw new RangeError(`Invalid maximum error rate ${maxErrorRate}: give a fraction from 0 to 1`);
  }
  if (options.latencyP95Ms !== undefined && !(options.latencyP95Ms > 0)) {
    throw new RangeError(
      `Invalid latency threshold ${options.latencyP95Ms} ms: give a positive number`,
    );
  }
  const flatTolerance = options.flatTolerance ?? 0.05;
  const flatLevels = wholeSeconds(options.flatLevels ?? 2, "number of flat levels", 1);
  const rules = { maxErrorRate, latencyP95Ms: options.latencyP95Ms, flatTolerance, flatLevels };
  const target = parseTarget(options.url, { allowRemote: options.allowRemote });
  const requests = prepareRequests(options);
  if (options.signal?.aborted) {
    throw new RangeError("Cannot start a saturation ramp: it was already aborted");
  }

  const levels: SaturationLevel[] = [];
  let decision: StopDecision | null = null;
  let endAt = 0;
  let failure: Error | null = null;
  const ended = Promise.withResolvers<void>();
  const finish = (d: StopDecision, atMs: number) => {
    if (decision) return;
    decision = d;
    endAt = atMs;
    ended.resolve();
  };

  // Level k starts at interval `levelStart`; intervals [levelStart + warmup, + levelSeconds) are measured.
  let levelIndex = 0;
  let levelStart = 0;
  let window: ClosedInterval[] = [];
  let wallStart = 0;
  let startMs = 0;
  const wallAt = (second: number) => new Date(wallStart + second * 1000).toISOString();

  const closeLevel = () => {
    const totals = new IntervalTotals();
    let seconds = 0;
    for (const closed of window) {
      totals.add(closed);
      seconds += closed.stats.durationSeconds;
    }
    const t = totals.totals();
    const usage = processUsage(window.map((closed) => closed.stats));
    const first = window[0].stats.startSeconds;
    const level: SaturationLevel = {
      users: userLevels[levelIndex],
      requestsPerSecond: t.requests / seconds,
      successesPerSecond: t.successes / seconds,
      p50Ms: t.p50Ms,
      p95Ms: t.p95Ms,
      p99Ms: t.p99Ms,
      meanMs: t.meanMs,
      requests: t.requests,
      errors: t.errors,
      errorRate: t.requests > 0 ? t.errors / t.requests : 0,
      errorsByKind: t.errorsByKind,
      cpuPercent: usage.cpuPercent,
      rssBytes: usage.rssBytes,
      memoryPercent: usage.memoryPercent,
      startedAt: wallAt(first),
      endedAt: wallAt(first + seconds),
    };
    levels.push(level);
    window = [];
    options.onLevel?.(level);
    const end = startMs + (first + seconds) * 1000;
    const d = evaluateLevel(levels, rules);
    if (d) return finish(d, end);
    levelIndex++;
    if (levelIndex >= userLevels.length) {
      return finish(
        { reason: "MaxLevels", detail: `Measured all ${userLevels.length} levels` },
        end,
      );
    }
    levelStart += warmupSeconds + levelSeconds;
    engine.setUsers(userLevels[levelIndex]);
  };

  const onInterval = (closed: ClosedInterval) => {
    options.onInterval?.(closed.stats);
    if (decision) return;
    const i = closed.stats.index;
    if (i >= levelStart + warmupSeconds && i < levelStart + warmupSeconds + levelSeconds) {
      window.push(closed);
    }
    if (i === levelStart + warmupSeconds + levelSeconds - 1) closeLevel();
  };

  const engine: Engine = await createEngine({
    transport: options.transport,
    target,
    requests,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    pids: options.pids,
    onInterval,
    onError: (error) => {
      failure = error;
      finish({ reason: "Interrupted", detail: error.message }, performance.now());
    },
  });
  const onAbort = () =>
    finish({ reason: "Interrupted", detail: "Interrupted by the user" }, performance.now());
  options.signal?.addEventListener("abort", onAbort, { once: true });
  wallStart = Date.now();
  startMs = performance.now();
  engine.start(startMs);
  engine.setUsers(userLevels[0]);

  try {
    await ended.promise;
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    await engine.stop(endAt || performance.now());
  }
  if (failure) throw failure;
  const endMs = endAt;
  const d: StopDecision = (decision as StopDecision | null) ??
    { reason: "Interrupted", detail: "The ramp was aborted" };
  let best = 0;
  let usersAtMax = 0;
  for (const l of levels) {
    if (l.successesPerSecond > best) {
      best = l.successesPerSecond;
      usersAtMax = l.users;
    }
  }
  return {
    url: target.url,
    transport: engine.transport,
    levels,
    stopReason: d.reason as SaturationStopReason,
    stopDetail: d.detail,
    maxSuccessesPerSecond: best,
    usersAtMax,
    levelSeconds,
    warmupSeconds,
    flatRule:
      `FlatInvocations: a level is flat when its successful requests per second are below (1 + ${flatTolerance}) x the best earlier level; the ramp stops after ${flatLevels} consecutive flat levels`,
    startedAt: new Date(wallStart).toISOString(),
    endedAt: new Date(wallStart + (endMs - startMs)).toISOString(),
    durationSeconds: (endMs - startMs) / 1000,
  };
}
