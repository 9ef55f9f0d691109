/**
 * One load test: closed-loop users following a traffic pattern, or an open-loop arrival rate,
 * until a stopping condition ends it; measured per second and summarised.
 *
 * @module
 */

import type { Engine, Transport, TransportChoice } from "./engine.ts";
import { createEngine } from "./select_engine.ts";
import { LatencyHistogram } from "./histogram.ts";
import { buildRequest } from "./http_connection.ts";
import {
  type ClosedInterval,
  type IntervalStats,
  IntervalTotals,
  processUsage,
  type RunTotals,
} from "./interval_recorder.ts";
import {
  evaluatePeriod,
  type PeriodStats,
  type StopConditions,
  type StopDecision,
  type StopReason,
  validateStopConditions,
} from "./stop_conditions.ts";
import { parseTarget } from "./target.ts";
import {
  type TrafficPattern,
  trafficPatternSeconds,
  userSchedule,
  validateTrafficPattern,
} from "./traffic_pattern.ts";

/** Default per-request timeout, ms: SageMaker's 60 s invocation limit. */
export const DEFAULT_TIMEOUT_MS = 60_000;
/** Default length of an open-loop run without a duration, s. */
export const DEFAULT_OPEN_LOOP_SECONDS = 60;

/** What every load test needs: where, what and how long to wait. */
export interface RequestOptions {
  /** Target URL, e.g. `http://127.0.0.1:8080/invocations`. */
  url: string;
  /** Request bodies, sent round-robin. @default no body */
  payloads?: Uint8Array[];
  /** HTTP method. @default "POST" with payloads, "GET" without */
  method?: string;
  /** `Content-Type` of the payloads. @default "application/octet-stream" */
  contentType?: string;
  /** Extra request headers. @default {} */
  headers?: Record<string, string>;
  /** Per-request timeout, ms. @default 60000 */
  timeoutMs?: number;
  /** Allow a URL that is not a loopback address. @default false */
  allowRemote?: boolean;
  /** Process ids whose CPU and memory to sample each second (needs `--allow-ffi`). @default [] */
  pids?: number[];
  /** Aborting it ends the run with stop reason `Interrupted` and the summary so far. @default none */
  signal?: AbortSignal;
  /**
   * How requests travel: `epoll` (libc epoll in a worker thread; Linux, `http:` to an IP
   * address, `--allow-ffi`), `socket` (`Deno.connect`), or `auto` (`epoll` when it can).
   * @default "auto"
   */
  transport?: TransportChoice;
}

/** Options of {@linkcode runLoadTest}: give `pattern` (closed loop) or `rate` (open loop). */
export interface LoadTestOptions extends RequestOptions {
  /** Closed-loop users following an IR traffic pattern. @default none */
  pattern?: TrafficPattern;
  /** Open loop: requests per second, independent of answers. @default none */
  rate?: number;
  /** Open loop: most connections (requests in flight) at once. @default 1024 */
  maxConnections?: number;
  /** When to stop besides the pattern's end. @default {} */
  stop?: StopConditions;
  /** Called with each 1 s interval as it closes (for progress). @default none */
  onInterval?: (interval: IntervalStats) => void;
}

/** The result of a load test. */
export interface LoadTestSummary extends RunTotals {
  /** Target URL. */
  url: string;
  /** The transport that carried the requests. */
  transport: Transport;
  /** `closed-loop` (users) or `open-loop` (rate). */
  mode: "closed-loop" | "open-loop";
  /** The traffic pattern of a closed-loop run. */
  trafficPattern?: TrafficPattern;
  /** Requests per second of an open-loop run. */
  rate?: number;
  /** Wall-clock start, ISO 8601. */
  startedAt: string;
  /** Wall-clock end, ISO 8601. */
  endedAt: string;
  /** Length of the run, s. */
  durationSeconds: number;
  /** Completed requests per second over the run. */
  requestsPerSecond: number;
  /** Successful requests per second over the run. */
  successesPerSecond: number;
  /** `errors / requests` (0 when no request completed). */
  errorRate: number;
  /** Most users active at once (open loop: most requests in flight or queued). */
  maxUsers: number;
  /** Mean CPU % of the sampled processes over the run, summed over cores (`null` without pids). */
  cpuPercent: number | null;
  /** Largest resident memory of the sampled processes, bytes (`null` without pids). */
  rssBytes: number | null;
  /** Message of the last request that failed without an HTTP status (`null` if none). */
  lastError: string | null;
  /** Why the run ended. */
  stopReason: StopReason;
  /** What was seen when it ended. */
  stopDetail: string;
  /** Every 1 s interval (the last may be shorter). */
  intervals: IntervalStats[];
  /** Every full evaluation period of the stopping conditions. */
  periods: PeriodStats[];
}

/**
 * The prepared request bytes for the options (one per payload).
 *
 * @example Usage
 * ```ts
 * import { prepareRequests } from "./run_load.ts";
 * import assert from "node:assert/strict";
 * const enc = new TextEncoder();
 * const requests = prepareRequests({ url: "http://127.0.0.1:8080/invocations", payloads: [enc.encode("1"), enc.encode("2")] });
 * assert.equal(requests.length, 2);
 * assert.match(new TextDecoder().decode(requests[1]), /^POST \/invocations HTTP\/1\.1\r\n[^]*\r\n\r\n2$/);
 * ```
 */
export function prepareRequests(options: RequestOptions): Uint8Array[] {
  const target = parseTarget(options.url, { allowRemote: options.allowRemote });
  const bodies = options.payloads && options.payloads.length > 0 ? options.payloads : [undefined];
  return bodies.map((body) =>
    buildRequest(target, {
      body,
      method: options.method,
      contentType: options.contentType,
      headers: options.headers,
    })
  );
}

/**
 * Checks the options shared by every load test; throws RangeError/TypeError.
 *
 * @example Usage
 * ```ts
 * import { validateRequestOptions } from "./run_load.ts";
 * import assert from "node:assert/strict";
 * assert.throws(() => validateRequestOptions({ url: "http://127.0.0.1/", timeoutMs: 0 }), /Invalid timeout/);
 * ```
 */
export function validateRequestOptions(options: RequestOptions): void {
  if (options.timeoutMs !== undefined && !(options.timeoutMs > 0)) {
    throw new RangeError(`Invalid timeout ${options.timeoutMs} ms: give a positive number`);
  }
  parseTarget(options.url, { allowRemote: options.allowRemote });
}

/**
 * Runs one load test and returns its summary. Closed loop (`pattern`): users follow the
 * pattern; the run ends with the pattern (`TrafficPatternCompleted`) unless a stopping condition
 * ends it first. Open loop (`rate`): requests are due at a constant rate for
 * `stop.durationSeconds` (default 60 s); latency counts from the due time.
 *
 * @example Usage
 * ```ts
 * import { runLoadTest } from "./run_load.ts";
 * import assert from "node:assert/strict";
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response("ok"));
 * try {
 *   const summary = await runLoadTest({
 *     url: `http://127.0.0.1:${server.addr.port}/`,
 *     pattern: { TrafficType: "PHASES", Phases: [{ InitialNumberOfUsers: 2, DurationInSeconds: 10 }] },
 *     stop: { maxRequests: 200 },
 *   });
 *   assert.equal(summary.stopReason, "MaxRequests");
 *   assert.equal(summary.requests, 200);
 *   assert.equal(summary.errors, 0);
 * } finally {
 *   await server.shutdown();
 * }
 * ```
 */
export async function runLoadTest(options: LoadTestOptions): Promise<LoadTestSummary> {
  validateRequestOptions(options);
  if ((options.pattern === undefined) === (options.rate === undefined)) {
    throw new RangeError(
      "Cannot run a load test: give either a traffic pattern (users) or a rate (open loop)",
    );
  }
  if (options.rate !== undefined && !(options.rate > 0 && Number.isFinite(options.rate))) {
    throw new RangeError(
      `Invalid rate ${options.rate}: give a positive number of requests per second`,
    );
  }
  const maxConnections = options.maxConnections ?? 1024;
  if (!(Number.isInteger(maxConnections) && maxConnections > 0)) {
    throw new RangeError(`Invalid maxConnections ${maxConnections}: give a positive whole number`);
  }
  const conditions = validateStopConditions(options.stop ?? {});
  const pattern = options.pattern ? validateTrafficPattern(options.pattern) : undefined;
  const patternSeconds = pattern ? trafficPatternSeconds(pattern) : Infinity;
  const durationSeconds = Math.min(
    conditions.durationSeconds ?? (pattern ? Infinity : DEFAULT_OPEN_LOOP_SECONDS),
    patternSeconds,
  );
  const endReason: StopReason = durationSeconds < patternSeconds
    ? "Duration"
    : "TrafficPatternCompleted";
  const target = parseTarget(options.url, { allowRemote: options.allowRemote });
  const requests = prepareRequests(options);
  if (options.signal?.aborted) {
    throw new RangeError("Cannot start a load test: it was already aborted");
  }

  const intervals: IntervalStats[] = [];
  const periods: PeriodStats[] = [];
  const totals = new IntervalTotals();
  const periodSeconds = conditions.periodSeconds!;
  let periodHistogram = new LatencyHistogram();
  let periodRequests = 0;
  let periodErrors = 0;
  let startMs = 0;
  // The decision that ends the run, and the instant on the clock where the run ends.
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
  const isEnd = (d: StopDecision | null) =>
    d !== null && (d.reason === "Duration" || d.reason === "TrafficPatternCompleted");

  const onInterval = (closed: ClosedInterval) => {
    const { stats, histogram } = closed;
    intervals.push(stats);
    totals.add(closed);
    options.onInterval?.(stats);
    if (stats.durationSeconds !== 1) return; // the partial last interval is not judged
    periodHistogram.add(histogram);
    periodRequests += stats.requests;
    periodErrors += stats.errors;
    if ((stats.index + 1) % periodSeconds !== 0) return;
    periods.push({
      index: periods.length,
      startSeconds: stats.index + 1 - periodSeconds,
      seconds: periodSeconds,
      users: stats.users,
      requests: periodRequests,
      errors: periodErrors,
      p95Ms: periodHistogram.percentileMs(95),
      p99Ms: periodHistogram.percentileMs(99),
    });
    periodHistogram = new LatencyHistogram();
    periodRequests = 0;
    periodErrors = 0;
    const d = evaluatePeriod(periods, conditions);
    if (!d) return;
    const boundary = startMs + (stats.index + 1) * 1000;
    // A period that ended by the pattern's end still decides why the run ended (IR judges it).
    if (isEnd(decision) && boundary <= endAt) decision = d;
    else finish(d, boundary);
  };

  const engine: Engine = await createEngine({
    transport: options.transport,
    target,
    requests,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxRequests: conditions.maxRequests,
    pids: options.pids,
    onInterval,
    onRequestsDone: () =>
      finish(
        { reason: "MaxRequests", detail: `${conditions.maxRequests} requests completed` },
        performance.now(),
      ),
    onError: (error) => {
      failure = error;
      finish({ reason: "Interrupted", detail: error.message }, performance.now());
    },
  });

  const timers = new Set<ReturnType<typeof setTimeout>>();
  // Runs fn at performance.now() >= ms (timers may fire a fraction of a ms early).
  const at = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      if (performance.now() < ms) at(ms, fn);
      else fn();
    }, Math.max(0, Math.ceil(ms - performance.now())));
    timers.add(t);
  };
  const onAbort = () =>
    finish({ reason: "Interrupted", detail: "Interrupted by the user" }, performance.now());
  options.signal?.addEventListener("abort", onAbort, { once: true });

  const wallStart = Date.now();
  startMs = performance.now();
  engine.start(startMs);
  const plannedEnd = startMs + durationSeconds * 1000;
  at(plannedEnd, () =>
    finish({
      reason: endReason,
      detail: endReason === "Duration"
        ? `Ran for the ${durationSeconds} s duration`
        : `The traffic pattern ended after ${patternSeconds} s`,
    }, plannedEnd));

  let maxUsers = 0;
  if (pattern) {
    const steps = userSchedule(pattern).slice(0, -1); // the last step is the end (0 users)
    let next = 0;
    const apply = () => {
      const elapsed = (performance.now() - startMs) / 1000;
      while (next < steps.length && steps[next].atSeconds <= elapsed + 0.0005) {
        engine.setUsers(steps[next].users);
        maxUsers = Math.max(maxUsers, steps[next].users);
        next++;
      }
      if (next < steps.length && !decision) at(startMs + steps[next].atSeconds * 1000, apply);
    };
    apply();
  } else {
    engine.startOpenLoop(options.rate!, maxConnections);
  }

  try {
    await ended.promise;
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    for (const t of timers) clearTimeout(t);
    timers.clear();
    await engine.stop(endAt || performance.now());
  }
  if (failure) throw failure;
  const elapsedSeconds = Math.round(endAt - startMs) === Math.round(plannedEnd - startMs)
    ? durationSeconds
    : (endAt - startMs) / 1000;
  const total = totals.totals();
  const d: StopDecision = decision ?? { reason: "Interrupted", detail: "The run was aborted" };
  if (!pattern) maxUsers = intervals.reduce((m, i) => Math.max(m, i.users), 0);
  const usage = processUsage(intervals);
  return {
    url: target.url,
    transport: engine.transport,
    mode: pattern ? "closed-loop" : "open-loop",
    ...(pattern ? { trafficPattern: pattern } : { rate: options.rate }),
    startedAt: new Date(wallStart).toISOString(),
    endedAt: new Date(wallStart + elapsedSeconds * 1000).toISOString(),
    durationSeconds: elapsedSeconds,
    ...total,
    requestsPerSecond: total.requests / elapsedSeconds,
    successesPerSecond: total.successes / elapsedSeconds,
    errorRate: total.requests > 0 ? total.errors / total.requests : 0,
    maxUsers,
    cpuPercent: usage.cpuPercent,
    rssBytes: usage.rssBytes,
    lastError: engine.lastFailure,
    stopReason: d.reason,
    stopDetail: d.detail,
    intervals,
    periods,
  };
}
