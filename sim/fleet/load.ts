/**
 * Load over time: users from a traffic pattern, or arrival rates, as a step timeline.
 *
 * @module
 */
import { type TrafficPattern, userSchedule } from "../../load/traffic_pattern.ts";

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
 * import { usersTimeline } from "./mod.ts";
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
 * import { truncateLoad } from "./mod.ts";
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

/**
 * The sum of several loads (users): a step function whose value is the sum of theirs; no load
 * at all is no users.
 *
 * @example Usage
 * ```ts
 * import { sumLoads } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const a = { kind: "users" as const, steps: [{ at: 0, value: 1 }, { at: 20, value: 0 }] };
 * const b = { kind: "users" as const, steps: [{ at: 10, value: 2 }] };
 * assert.deepEqual(sumLoads([a, b]).steps, [{ at: 0, value: 1 }, { at: 10, value: 3 }, { at: 20, value: 2 }]);
 * ```
 */
export function sumLoads(loads: readonly LoadTimeline[]): LoadTimeline {
  if (loads.length === 1) return loads[0];
  const times = [...new Set(loads.flatMap((l) => l.steps.map((s) => s.at)))].sort((a, b) => a - b);
  const index = loads.map(() => 0);
  const steps: { at: number; value: number }[] = [];
  for (const at of times) {
    let value = 0;
    loads.forEach((l, i) => {
      while (index[i] < l.steps.length && l.steps[index[i]].at <= at) index[i]++;
      value += index[i] > 0 ? l.steps[index[i] - 1].value : 0;
    });
    if (steps.length === 0 || steps[steps.length - 1].value !== value) steps.push({ at, value });
  }
  return { kind: loads[0]?.kind ?? "users", steps };
}
