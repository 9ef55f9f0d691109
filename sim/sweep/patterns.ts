/**
 * Traffic patterns for the policy sweep, pure: the Inference Recommender ramp (closed-loop users,
 * as the Advanced job sends them), a step, a spike, a diurnal day, and the replay of invocations
 * per minute (a trace file, or an endpoint's CloudWatch history read by the caller). Each pattern
 * carries its total invocations and its peak per minute.
 *
 * The open-loop patterns are sized on the profile's saturated throughput `X_max` (one instance
 * flat out) unless a base rate is given, so that they need a few instances on any profile.
 *
 * @module
 */
import { type LoadTimeline, type ProfileCurve, usersTimeline } from "../fleet/mod.ts";
import type { TrafficPattern } from "../../load/traffic_pattern.ts";
import type { TraceMinute } from "../trace.ts";

/** A traffic pattern ready to be tabulated. */
export interface SweepPattern {
  /** As the user named it, e.g. `ramp`, `spike`, `trace:day.csv`. */
  name: string;
  /** One line: what the pattern is. */
  description: string;
  /** Start, epoch ms (a whole minute). */
  start: number;
  /** Length in whole minutes. */
  minutes: number;
  /** The load: users (closed loop) or arrivals per second (open loop), as a step function. */
  load: LoadTimeline;
  /** Invocations the pattern asks for (users: at the pace of a saturated instance, `X_max / c_sat` each). */
  totalInvocations: number;
  /** Largest minute of those. */
  peakPerMinute: number;
  /** Smallest minute with any invocation (0 when there is none). */
  lowPerMinute: number;
  /** The Advanced job's traffic pattern, for a ramp. */
  traffic?: TrafficPattern;
}

const MINUTE = 60_000;

/** The default start of every built-in pattern: a Monday, 00:00 UTC. */
export const PATTERN_START = Date.UTC(2026, 0, 5);

function fromPerMinute(
  name: string,
  description: string,
  perMinute: readonly number[],
  start: number,
): SweepPattern {
  const steps = perMinute.map((v, i) => ({ at: start + i * MINUTE, value: v / 60 }));
  steps.push({ at: start + perMinute.length * MINUTE, value: 0 });
  let total = 0;
  let peak = 0;
  let low = Infinity;
  for (const v of perMinute) {
    total += v;
    if (v > peak) peak = v;
    if (v > 0 && v < low) low = v;
  }
  return {
    name,
    description,
    start,
    minutes: perMinute.length,
    load: { kind: "arrivals", steps },
    totalInvocations: total,
    peakPerMinute: peak,
    lowPerMinute: Number.isFinite(low) ? low : 0,
  };
}

/** Options of {@linkcode rampPattern}. */
export interface RampOptions {
  /**
   * Users added per minute (SpawnRate).
   * @default {ceil(8 x c_sat / minutes)}: eight saturated instances' worth at the end
   */
  spawnRate?: number;
  /** @default {1} */
  initialUsers?: number;
  /** @default {60} */
  minutes?: number;
  /** @default {PATTERN_START} */
  start?: number;
}

/**
 * The Advanced job's ramp: one PHASES phase of closed-loop users through the profile, as the fleet
 * model runs them. Its invocations are counted at the pace a user gets from a saturated instance
 * (`X_max / c_sat` per user per second): what the users ask of a fleet just large enough [INF].
 *
 * @example Usage
 * ```ts
 * import { rampPattern } from "./patterns.ts";
 * import { profileCurve } from "../fleet/mod.ts";
 * import assert from "node:assert/strict";
 * const level = (concurrency: number, throughput: number) => ({ concurrency, throughput,
 *   latencyMs: { p50: 20, p95: 30, p99: 40, mean: 22 }, cpuPercent: 50, memoryPercent: 10, errorRate: 0 });
 * const curve = profileCurve({ instanceType: "ml.c5.large", vCpus: 2, measuredOn: "example",
 *   levels: [level(1, 25), level(2, 50)] });
 * const ramp = rampPattern(curve, { spawnRate: 2, minutes: 10 });
 * assert.equal(ramp.traffic?.Phases?.[0].SpawnRate, 2);
 * // 19.5 users on average in the last minute, X_max / c_sat = 50 / 1.96 requests/s each
 * assert.equal(Math.round(ramp.peakPerMinute), Math.round(19.5 * 50 / 1.96 * 60));
 * ```
 */
export function rampPattern(curve: ProfileCurve, options: RampOptions = {}): SweepPattern {
  const minutes = options.minutes ?? 60;
  const start = options.start ?? PATTERN_START;
  const initial = options.initialUsers ?? 1;
  const spawn = options.spawnRate ?? Math.ceil(8 * curve.saturationConcurrency / minutes);
  const traffic: TrafficPattern = {
    TrafficType: "PHASES",
    Phases: [{ InitialNumberOfUsers: initial, SpawnRate: spawn, DurationInSeconds: minutes * 60 }],
  };
  const load = usersTimeline(traffic, start);
  const perUser = curve.maxThroughput / curve.saturationConcurrency;
  let total = 0;
  let peak = 0;
  let low = Infinity;
  for (let m = 0; m < minutes; m++) {
    let users = 0;
    const a = start + m * MINUTE;
    const b = a + MINUTE;
    for (let i = 0; i < load.steps.length; i++) {
      const from = Math.max(a, load.steps[i].at);
      const to = Math.min(b, load.steps[i + 1]?.at ?? Infinity);
      if (to > from) users += load.steps[i].value * (to - from) / 1000;
    }
    const inv = users * perUser;
    total += inv;
    if (inv > peak) peak = inv;
    if (inv > 0 && inv < low) low = inv;
  }
  return {
    name: "ramp",
    description: `Advanced job ramp: ${initial} user(s) + ${spawn}/min for ${minutes} min`,
    start,
    minutes,
    load,
    totalInvocations: total,
    peakPerMinute: peak,
    lowPerMinute: Number.isFinite(low) ? low : 0,
    traffic,
  };
}

/** Options of the open-loop built-in patterns. */
export interface OpenLoopOptions {
  /**
   * Base rate, requests per second.
   * @default {X_max of the profile}
   */
  baseTps?: number;
  /** Multiple of the base at the step, the spike or the diurnal peak. @default {3 (step), 5 (spike), 4 (diurnal)} */
  factor?: number;
  /** @default {60 (step, spike), 1440 (diurnal)} */
  minutes?: number;
  /** @default {PATTERN_START} */
  start?: number;
}

/**
 * A step: the base rate for the first quarter, then `factor` × base to the end.
 *
 * @example Usage
 * ```ts
 * import { stepPattern } from "./patterns.ts";
 * import assert from "node:assert/strict";
 * const p = stepPattern({ baseTps: 10, factor: 3, minutes: 8 });
 * assert.equal(p.totalInvocations, 2 * 600 + 6 * 1800);
 * assert.equal(p.peakPerMinute, 1800);
 * ```
 */
export function stepPattern(options: OpenLoopOptions & { baseTps: number }): SweepPattern {
  const minutes = options.minutes ?? 60;
  const factor = options.factor ?? 3;
  const base = options.baseTps * 60;
  const at = Math.floor(minutes / 4);
  const perMinute = Array.from({ length: minutes }, (_, m) => m < at ? base : base * factor);
  return fromPerMinute(
    "step",
    `step: ${options.baseTps} TPS, x${factor} from minute ${at}, ${minutes} min`,
    perMinute,
    options.start ?? PATTERN_START,
  );
}

/**
 * A spike: the base rate, with `factor` × base for a sixth of the time from the first third on.
 *
 * @example Usage
 * ```ts
 * import { spikePattern } from "./patterns.ts";
 * import assert from "node:assert/strict";
 * const p = spikePattern({ baseTps: 10, factor: 5, minutes: 60 });
 * assert.equal(p.peakPerMinute, 3000);
 * assert.equal(p.totalInvocations, 50 * 600 + 10 * 3000);
 * ```
 */
export function spikePattern(options: OpenLoopOptions & { baseTps: number }): SweepPattern {
  const minutes = options.minutes ?? 60;
  const factor = options.factor ?? 5;
  const base = options.baseTps * 60;
  const from = Math.floor(minutes / 3);
  const to = from + Math.max(1, Math.floor(minutes / 6));
  const perMinute = Array.from(
    { length: minutes },
    (_, m) => m >= from && m < to ? base * factor : base,
  );
  return fromPerMinute(
    "spike",
    `spike: ${options.baseTps} TPS, x${factor} from minute ${from} to ${to}, ${minutes} min`,
    perMinute,
    options.start ?? PATTERN_START,
  );
}

/**
 * A diurnal day: a cosine from the base rate at 04:00 to `factor` × base at 16:00 (UTC of the
 * pattern's clock), a whole number of invocations each minute.
 *
 * @example Usage
 * ```ts
 * import { diurnalPattern } from "./patterns.ts";
 * import assert from "node:assert/strict";
 * const p = diurnalPattern({ baseTps: 10, factor: 4 });
 * assert.equal(p.minutes, 1440);
 * assert.equal(p.peakPerMinute, 2400);
 * ```
 */
export function diurnalPattern(options: OpenLoopOptions & { baseTps: number }): SweepPattern {
  const minutes = options.minutes ?? 1440;
  const factor = options.factor ?? 4;
  const base = options.baseTps * 60;
  const perMinute = Array.from({ length: minutes }, (_, m) => {
    const hours = (m / 60) % 24;
    const w = (1 - Math.cos(2 * Math.PI * (hours - 4) / 24)) / 2;
    return Math.round(base * (1 + (factor - 1) * w));
  });
  return fromPerMinute(
    "diurnal",
    `diurnal: ${options.baseTps} TPS at 04:00 to ${
      options.baseTps * factor
    } at 16:00, ${minutes} min`,
    perMinute,
    options.start ?? PATTERN_START,
  );
}

/**
 * Invocations per minute replayed as open-loop arrivals: a trace file's minutes
 * (`parseTrace`) or an endpoint's CloudWatch `Invocations` Sum per minute.
 *
 * @example Usage
 * ```ts
 * import { replayPattern } from "./patterns.ts";
 * import assert from "node:assert/strict";
 * const p = replayPattern("trace:t.csv", [{ minute: 0, invocations: 60 }, { minute: 60_000, invocations: 0 },
 *   { minute: 120_000, invocations: 180 }]);
 * assert.equal(p.totalInvocations, 240);
 * assert.equal(p.peakPerMinute, 180);
 * assert.equal(p.minutes, 3);
 * ```
 */
export function replayPattern(name: string, minutes: readonly TraceMinute[]): SweepPattern {
  if (minutes.length === 0) {
    throw new RangeError(`Cannot replay ${name}: it has no minutes of traffic`);
  }
  const start = minutes[0].minute;
  const perMinute = new Array<number>(
    Math.round((minutes[minutes.length - 1].minute - start) / MINUTE) + 1,
  ).fill(0);
  for (const m of minutes) perMinute[Math.round((m.minute - start) / MINUTE)] += m.invocations;
  return fromPerMinute(name, `${name}: replayed invocations per minute`, perMinute, start);
}
