/**
 * Inference Recommender's traffic patterns (`TrafficPattern`: `PHASES` and `STAIRS`) and the pure
 * arithmetic of "how many users are active at time t".
 *
 * Rules (`../shared/spec/inference-recommender.md` §1.3, `../shared/spec/simulation-model.md` §4):
 * - `Phase.SpawnRate` is new users per **minute** (the API reference; the archived Studio guide
 *   said per second, the toolkit follows the API reference).
 * - A phase starts with `InitialNumberOfUsers` users and adds whole users at evenly spaced
 *   instants `60 / SpawnRate` seconds apart (the first one `60 / SpawnRate` s after the phase
 *   starts), so `users(t) = InitialNumberOfUsers + floor(SpawnRate × t / 60)` for phase-local `t`.
 * - Assumption (the docs are SILENT): users do not carry over between phases; each phase starts
 *   at its own `InitialNumberOfUsers`.
 * - `STAIRS`: step `k` (1-based) runs `DurationInSeconds` with `k × UsersPerStep` users; a step adds
 *   its users at its start.
 * - Outside `[0, total duration)` no user is active.
 *
 * The fleet simulation of the local backend reuses {@linkcode userSchedule} to integrate by events.
 *
 * @module
 */

/** One phase of a `PHASES` traffic pattern (the API's `Phase` shape). */
export interface Phase {
  /** Users active when the phase starts (API: at least 1; custom load tests: 1 to 3). */
  InitialNumberOfUsers: number;
  /** New users per minute. @default 0 */
  SpawnRate?: number;
  /** Length of the phase in seconds (API: at least 1; custom load tests: 120 to 3600). */
  DurationInSeconds: number;
}

/** The `Stairs` shape of a `STAIRS` traffic pattern. */
export interface Stairs {
  /** Length of each step in seconds. */
  DurationInSeconds: number;
  /** Number of steps. */
  NumberOfSteps: number;
  /** Users added at the start of each step (API: 1 to 3). */
  UsersPerStep: number;
}

/** The API's `TrafficPattern` shape. */
export interface TrafficPattern {
  /** `PHASES` (the API default when absent and `Phases` is given) or `STAIRS`. */
  TrafficType?: "PHASES" | "STAIRS";
  /** The phases of a `PHASES` pattern, in order. */
  Phases?: Phase[];
  /** The stairs of a `STAIRS` pattern. */
  Stairs?: Stairs;
}

/** A point where the number of active users changes; it holds until the next point. */
export interface UserStep {
  /** Seconds from the start of the pattern. */
  atSeconds: number;
  /** Users active from this instant on. */
  users: number;
}

function requireNumber(
  value: unknown,
  name: string,
  min: number,
  integer: boolean,
): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new TypeError(
      `Invalid traffic pattern: ${name} must be a number, got ${JSON.stringify(value)}`,
    );
  }
  if (integer && !Number.isInteger(value)) {
    throw new RangeError(`Invalid traffic pattern: ${name} must be a whole number, got ${value}`);
  }
  if (value < min) {
    throw new RangeError(`Invalid traffic pattern: ${name} must be at least ${min}, got ${value}`);
  }
  return value;
}

/**
 * Checks a traffic pattern's shape and values and returns it with `TrafficType` filled in.
 * Only the API's general limits are enforced (users ≥ 1, durations ≥ 1 s, spawn rate ≥ 0); the
 * tighter limits of custom load tests (phases of 120–3600 s, 1–3 users) are left to the
 * recommender, so that short local runs stay possible.
 *
 * @example Usage
 * ```ts
 * import { validateTrafficPattern } from "./traffic_pattern.ts";
 * import assert from "node:assert/strict";
 * const p = validateTrafficPattern({ Phases: [{ InitialNumberOfUsers: 1, SpawnRate: 6, DurationInSeconds: 60 }] });
 * assert.equal(p.TrafficType, "PHASES");
 * assert.throws(() => validateTrafficPattern({ TrafficType: "STAIRS" }), /Stairs/);
 * ```
 */
export function validateTrafficPattern(pattern: unknown): TrafficPattern {
  if (typeof pattern !== "object" || pattern === null || Array.isArray(pattern)) {
    throw new TypeError(
      "Invalid traffic pattern: expected an object with TrafficType and Phases or Stairs",
    );
  }
  const p = pattern as Record<string, unknown>;
  const type = p.TrafficType ??
    (p.Stairs !== undefined && p.Phases === undefined ? "STAIRS" : "PHASES");
  if (type !== "PHASES" && type !== "STAIRS") {
    throw new RangeError(
      `Invalid traffic pattern: TrafficType must be "PHASES" or "STAIRS", got ${
        JSON.stringify(type)
      }`,
    );
  }
  if (type === "PHASES") {
    if (!Array.isArray(p.Phases) || p.Phases.length === 0) {
      throw new TypeError(
        "Invalid traffic pattern: a PHASES pattern needs at least one item in Phases",
      );
    }
    const phases = p.Phases.map((raw: unknown, i: number): Phase => {
      if (typeof raw !== "object" || raw === null) {
        throw new TypeError(`Invalid traffic pattern: Phases[${i}] must be an object`);
      }
      const ph = raw as Record<string, unknown>;
      return {
        InitialNumberOfUsers: requireNumber(
          ph.InitialNumberOfUsers,
          `Phases[${i}].InitialNumberOfUsers`,
          1,
          true,
        ),
        SpawnRate: requireNumber(ph.SpawnRate ?? 0, `Phases[${i}].SpawnRate`, 0, false),
        DurationInSeconds: requireNumber(
          ph.DurationInSeconds,
          `Phases[${i}].DurationInSeconds`,
          1,
          false,
        ),
      };
    });
    return { TrafficType: "PHASES", Phases: phases };
  }
  if (typeof p.Stairs !== "object" || p.Stairs === null) {
    throw new TypeError(
      "Invalid traffic pattern: a STAIRS pattern needs Stairs { DurationInSeconds, NumberOfSteps, UsersPerStep }",
    );
  }
  const s = p.Stairs as Record<string, unknown>;
  return {
    TrafficType: "STAIRS",
    Stairs: {
      DurationInSeconds: requireNumber(s.DurationInSeconds, "Stairs.DurationInSeconds", 1, false),
      NumberOfSteps: requireNumber(s.NumberOfSteps, "Stairs.NumberOfSteps", 1, true),
      UsersPerStep: requireNumber(s.UsersPerStep, "Stairs.UsersPerStep", 1, true),
    },
  };
}

/**
 * Total length of a traffic pattern in seconds (sum of phases, or steps × step length).
 *
 * @example Usage
 * ```ts
 * import { trafficPatternSeconds } from "./traffic_pattern.ts";
 * import assert from "node:assert/strict";
 * assert.equal(trafficPatternSeconds({ TrafficType: "STAIRS", Stairs: { DurationInSeconds: 30, NumberOfSteps: 4, UsersPerStep: 1 } }), 120);
 * ```
 */
export function trafficPatternSeconds(pattern: TrafficPattern): number {
  const p = validateTrafficPattern(pattern);
  if (p.TrafficType === "STAIRS") return p.Stairs!.DurationInSeconds * p.Stairs!.NumberOfSteps;
  return p.Phases!.reduce((sum, ph) => sum + ph.DurationInSeconds, 0);
}

/** Whole users spawned `seconds` into a phase at `spawnRate` users per minute. */
function spawnedBy(spawnRate: number, seconds: number): number {
  // The epsilon keeps e.g. 0.7/min × 600 s = 7 from flooring to 6 through rounding.
  return Math.floor((spawnRate * seconds) / 60 + 1e-9);
}

/**
 * Users active `seconds` after the pattern starts (0 before the start and from the end on).
 *
 * @example Usage
 * ```ts
 * import { usersAt } from "./traffic_pattern.ts";
 * import assert from "node:assert/strict";
 * const pattern = { TrafficType: "PHASES" as const, Phases: [{ InitialNumberOfUsers: 1, SpawnRate: 2, DurationInSeconds: 120 }] };
 * assert.deepEqual([0, 29, 30, 60, 119, 120].map((t) => usersAt(pattern, t)), [1, 1, 2, 3, 4, 0]);
 * ```
 */
export function usersAt(pattern: TrafficPattern, seconds: number): number {
  const p = validateTrafficPattern(pattern);
  if (!(seconds >= 0)) return 0;
  if (p.TrafficType === "STAIRS") {
    const s = p.Stairs!;
    const step = Math.floor(seconds / s.DurationInSeconds);
    return step < s.NumberOfSteps ? (step + 1) * s.UsersPerStep : 0;
  }
  let start = 0;
  for (const ph of p.Phases!) {
    if (seconds < start + ph.DurationInSeconds) {
      return ph.InitialNumberOfUsers + spawnedBy(ph.SpawnRate ?? 0, seconds - start);
    }
    start += ph.DurationInSeconds;
  }
  return 0;
}

/**
 * Every instant where the number of active users changes, in time order, starting at 0 and
 * ending with `{ atSeconds: total, users: 0 }`. Between two steps the count is constant, which is
 * what an event-driven simulation needs.
 *
 * @example Usage
 * ```ts
 * import { userSchedule } from "./traffic_pattern.ts";
 * import assert from "node:assert/strict";
 * const steps = userSchedule({ TrafficType: "PHASES", Phases: [{ InitialNumberOfUsers: 2, SpawnRate: 3, DurationInSeconds: 60 }] });
 * assert.deepEqual(steps, [
 *   { atSeconds: 0, users: 2 }, { atSeconds: 20, users: 3 }, { atSeconds: 40, users: 4 }, { atSeconds: 60, users: 0 },
 * ]);
 * ```
 */
export function userSchedule(pattern: TrafficPattern): UserStep[] {
  const p = validateTrafficPattern(pattern);
  const steps: UserStep[] = [];
  const push = (atSeconds: number, users: number) => {
    const last = steps[steps.length - 1];
    if (last && last.users === users) return;
    if (last && last.atSeconds === atSeconds) last.users = users;
    else steps.push({ atSeconds, users });
  };
  if (p.TrafficType === "STAIRS") {
    const s = p.Stairs!;
    for (let k = 0; k < s.NumberOfSteps; k++) {
      push(k * s.DurationInSeconds, (k + 1) * s.UsersPerStep);
    }
    push(s.NumberOfSteps * s.DurationInSeconds, 0);
    return steps;
  }
  let start = 0;
  for (const ph of p.Phases!) {
    push(start, ph.InitialNumberOfUsers);
    const rate = ph.SpawnRate ?? 0;
    if (rate > 0) {
      // User j joins at j × 60 / rate s; spawns at or after the phase end belong to no one.
      for (let j = 1;; j++) {
        const at = (j * 60) / rate;
        if (at >= ph.DurationInSeconds - 1e-9) break;
        push(start + at, ph.InitialNumberOfUsers + j);
      }
    }
    start += ph.DurationInSeconds;
  }
  push(start, 0);
  return steps;
}
