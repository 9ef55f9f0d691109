/**
 * Event-wise integration over a window (simulation-model.md §4, §5): the fleet's per-period
 * statistics between the moments its state changes.
 *
 * @module
 */
import { nearestLevel, type ProfileCurve, utilizationAt } from "./curve.ts";
import { fleetAt, type FleetOptions, type InstanceRecord, type LatencyPoint } from "./instance.ts";
import type { LoadTimeline } from "./load.ts";
import { openLoopSegment } from "./open_loop.ts";

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
  /** The variant's instance timeline ({@linkcode InstanceRecord}). */
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
 * import { integrateFleet, profileCurve } from "./mod.ts";
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
    const factor = noise === undefined ? 1 : noiseFactor(noise, pStart);

    let finished = 0;
    let timeouts = 0;
    let serverErrors = 0;
    let latency: LatencyPoint | undefined;
    let perInstanceConcurrency = 0;
    let util = utilizationAt(curve, 0);
    if (load.kind === "users") {
      const point = fleetAt(curve, { users: loadValue, instances: n }, options, factor);
      finished = point.invocationsPerSecond * seconds;
      timeouts = point.perInstance.timeoutsPerSecond * n * seconds;
      serverErrors = point.perInstance.serverErrorsPerSecond * n * seconds;
      latency = point.perInstance.latencyMs;
      perInstanceConcurrency = point.perInstance.concurrency;
      util = { cpu: point.perInstance.cpuPercent, memory: point.perInstance.memoryPercent };
    } else {
      const seg = openLoopSegment(
        curve,
        { lambda: loadValue, instances: n, backlog: carry.backlog, seconds },
        options,
        factor,
      );
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

/** Options of {@linkcode emptyFleetPeriod}. */
export interface EmptyFleetPeriodOptions {
  /**
   * Seconds of the period the window covered.
   * @default {60}
   */
  coveredSeconds?: number;
}

/**
 * A period with no traffic: no requests, no users, no instance, no latency or utilization.
 *
 * @example Usage
 * ```ts
 * import { emptyFleetPeriod } from "./integrate.ts";
 * import assert from "node:assert/strict";
 * const p = emptyFleetPeriod(60_000);
 * assert.equal(p.coveredSeconds, 60);
 * assert.equal(p.invocations, 0);
 * assert.equal(emptyFleetPeriod(0, { coveredSeconds: 0 }).coveredSeconds, 0);
 * ```
 */
export function emptyFleetPeriod(
  start: number,
  options: EmptyFleetPeriodOptions = {},
): FleetPeriod {
  return {
    start,
    coveredSeconds: options.coveredSeconds ?? 60,
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
  };
}

function addWeight(map: Map<number, number>, value: number, weight: number): void {
  map.set(value, (map.get(value) ?? 0) + weight);
}

function openPeriod(start: number, carry: FleetCarry): PeriodAccumulator {
  return {
    period: emptyFleetPeriod(start, { coveredSeconds: 0 }),
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
      p50: distributionPercentile({ values, counts }, 50) / 1000,
      p95: distributionPercentile({ values, counts }, 95) / 1000,
      p99: distributionPercentile({ values, counts }, 99) / 1000,
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
 * import { distributionPercentile } from "./mod.ts";
 * import assert from "node:assert/strict";
 * assert.equal(distributionPercentile({ values: [10, 20, 30], counts: [50.1, 45, 4.9] }, 95), 20);
 * assert.equal(distributionPercentile({ values: [10, 20, 30], counts: [50.1, 45, 4.9] }, 99), 30);
 * ```
 */
export function distributionPercentile(
  distribution: { values: readonly number[]; counts: readonly number[] },
  p: number,
): number {
  const { values, counts } = distribution;
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
 * import { noiseFactor } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const f = noiseFactor({ seed: 42, amplitude: 0.05 }, 60_000);
 * assert.equal(f, noiseFactor({ seed: 42, amplitude: 0.05 }, 60_000));
 * assert.ok(f >= 0.95 && f <= 1.05);
 * ```
 */
export function noiseFactor(
  noise: { seed: number; amplitude: number },
  periodStart: number,
): number {
  const { seed, amplitude } = noise;
  // mulberry32 over a mix of the seed and the period index.
  let a = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.floor(periodStart / 1000)) >>> 0;
  a = (a + 0x6d2b79f5) >>> 0;
  let r = Math.imul(a ^ (a >>> 15), a | 1);
  r ^= r + Math.imul(r ^ (r >>> 7), r | 61);
  const u = ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  return 1 + amplitude * (2 * u - 1);
}
