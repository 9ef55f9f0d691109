/**
 * The load generator: benchmark an HTTP endpoint (a SageMaker-contract container on this
 * machine) the way Inference Recommender will, with its traffic model.
 *
 * - {@linkcode runLoadTest}: closed-loop users following a `TrafficPattern` (`PHASES` with a
 *   spawn rate per minute, or `STAIRS`), or an open-loop arrival rate; IR's stopping conditions
 *   (`MaxInvocations`, a P95/P99 latency threshold, `FlatInvocations`) plus duration, request
 *   count and error rate; per-second intervals with HDR-histogram percentiles, and the target
 *   processes' CPU (summed over cores, as CloudWatch) and memory.
 * - {@linkcode measureSaturation}: the Default job's ramp of users until throughput flattens,
 *   errors pass 1 % or latency passes a threshold.
 * - {@linkcode usersAt} / {@linkcode userSchedule}: the pure "users at time t" arithmetic.
 *
 * Requests go over keep-alive HTTP/1.1 connections, one request in flight per user (no
 * pipelining), as prepared bytes with a minimal response parser. Two transports
 * ({@linkcode chooseTransport}): `epoll`, a worker thread that drives non-blocking sockets through
 * libc's epoll via Deno's FFI (Linux, `http:` to an IP address, `--allow-ffi`), which lets one
 * core drive a server at `wrk`'s rate; and `socket`, `Deno.connect` on the main thread
 * (`https:`, host names, no FFI). Targets are loopback addresses unless `allowRemote` is set.
 * The script is `load/cli.ts` (`deno task loadtest --help`).
 *
 * @example Usage
 * ```ts
 * import { measureSaturation, runLoadTest, usersAt } from "./mod.ts";
 * import assert from "node:assert/strict";
 * assert.equal(usersAt({ Phases: [{ InitialNumberOfUsers: 1, SpawnRate: 60, DurationInSeconds: 10 }] }, 3), 4);
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response("ok"));
 * try {
 *   const url = `http://127.0.0.1:${server.addr.port}/`;
 *   const run = await runLoadTest({ url, rate: 100, stop: { durationSeconds: 1 } });
 *   assert.equal(run.stopReason, "Duration");
 *   const ramp = await measureSaturation({ url, levelSeconds: 1, warmupSeconds: 0, maxLevels: 1 });
 *   assert.equal(ramp.levels.length, 1);
 * } finally {
 *   await server.shutdown();
 * }
 * ```
 *
 * @module
 */

export {
  type Phase,
  type Stairs,
  type TrafficPattern,
  trafficPatternSeconds,
  usersAt,
  userSchedule,
  type UserStep,
  validateTrafficPattern,
} from "./traffic_pattern.ts";
export {
  DEFAULT_OPEN_LOOP_SECONDS,
  DEFAULT_TIMEOUT_MS,
  type LoadTestOptions,
  type LoadTestSummary,
  type RequestOptions,
  runLoadTest,
} from "./run_load.ts";
export {
  evaluateLevel,
  measureSaturation,
  type SaturationLevel,
  type SaturationOptions,
  type SaturationResult,
  type SaturationStopReason,
  saturationUserLevels,
} from "./saturation.ts";
export {
  DEFAULT_FLAT_PERIODS,
  DEFAULT_FLAT_TOLERANCE,
  DEFAULT_PERIOD_SECONDS,
  evaluatePeriod,
  flatPeriodStreak,
  type LatencyThreshold,
  type PeriodStats,
  type StopConditions,
  type StopDecision,
  type StopReason,
  validateStopConditions,
} from "./stop_conditions.ts";
export {
  HIGHEST_TRACKABLE_MICROS,
  type HistogramTransfer,
  LatencyHistogram,
  type LatencySummary,
} from "./histogram.ts";
export type {
  ClosedInterval,
  ErrorsByKind,
  IntervalStats,
  RunTotals,
} from "./interval_recorder.ts";
export {
  cpuPercentBetween,
  ProcessAccessError,
  type ProcessSample,
  ProcessSampler,
  type TickReadings,
} from "./process_stats.ts";
export { loadPayloads, type Payload, PayloadError, readTarPayloads } from "./payload.ts";
export { isLoopbackHost, parseTarget, type Target } from "./target.ts";
export type { Engine, EngineOptions, Transport, TransportChoice } from "./engine.ts";
export { chooseTransport, createEngine } from "./select_engine.ts";
export { SocketEngine } from "./socket_engine.ts";
export { EpollEngine } from "./epoll_engine.ts";
export {
  buildRequest,
  type FailureKind,
  HttpConnection,
  RequestFailure,
} from "./http_connection.ts";
