// Proves the sweep's fast core makes the same decisions as `simulate` (the single-candidate entry
// point the local backend's rules are written in): on shared target-tracking cases the
// per-minute capacity is identical; and that its scores add up on hand-computed cases.
import assert from "node:assert/strict";
import { simulate } from "../simulate.ts";
import { profileCurve, usersTimeline } from "../fleet/mod.ts";
import type { CapacityProfile } from "../profile.ts";
import type { TrafficPattern } from "../../load/traffic_pattern.ts";
import { loadTable, periodLoad } from "./load_table.ts";
import { runCandidate } from "./run.ts";

const level = (concurrency: number, throughput: number) => ({
  concurrency,
  throughput,
  latencyMs: { p50: 20, p95: 30, p99: 40, mean: 22 },
  cpuPercent: 50 * concurrency,
  memoryPercent: 10,
  errorRate: 0,
});
const PROFILE: CapacityProfile = {
  instanceType: "ml.c5.large",
  vCpus: 2,
  measuredOn: "test",
  levels: [level(1, 25), level(2, 50), level(4, 55), level(8, 56)],
};

function both(
  traffic: TrafficPattern,
  scaling: { target: number; min: number; max: number; cooldownSeconds?: number },
  minutes: number,
) {
  const start = Date.UTC(2026, 0, 1);
  const end = start + minutes * 60_000;
  // The delays given explicitly on both sides: the comparison is of the rules, not of defaults.
  const delays = { instanceStartSeconds: 240, metricDelaySeconds: 60, instanceDrainSeconds: 0 };
  const reference = simulate({ profile: PROFILE, scaling, traffic, start, end }, {
    instanceStartSeconds: delays.instanceStartSeconds,
    metricDelaySeconds: delays.metricDelaySeconds,
  });
  const curve = profileCurve(PROFILE);
  const load = periodLoad(usersTimeline(traffic, start), {
    start,
    periodSeconds: 60,
    periods: minutes,
  });
  const fast = runCandidate({ minute: loadTable(load, { curve, sloMs: 10_000 }) }, {
    label: "tt",
    instanceType: "ml.c5.large",
    minCapacity: scaling.min,
    maxCapacity: scaling.max,
    targetTracking: [{
      metric: "invocations",
      target: scaling.target,
      scaleOutCooldown: scaling.cooldownSeconds,
      scaleInCooldown: scaling.cooldownSeconds,
    }],
  }, { vCpus: 2, pricePerHour: 0.1, timeline: true, tailMinutes: 0, ...delays });
  return {
    reference: reference.minutes.map((m) => m.capacity),
    fast: fast.minutes!.map((m) => m.capacity),
    invocations: [
      reference.minutes.map((m) => m.period.invocations),
      fast.minutes!.map((m) => m.invocations),
    ],
  };
}

Deno.test("fast core: a ramp gives simulate's per-minute capacity", () => {
  const r = both(
    {
      TrafficType: "PHASES",
      Phases: [{ InitialNumberOfUsers: 1, SpawnRate: 3, DurationInSeconds: 3600 }],
    },
    { target: 1500, min: 1, max: 20 },
    90,
  );
  assert.ok(Math.max(...r.reference) > 3, "the case must scale out");
  assert.ok(r.reference.at(-1)! < Math.max(...r.reference), "and scale in after the ramp");
  assert.deepEqual(r.fast, r.reference);
});

Deno.test("fast core: a constant overload with short cooldowns gives simulate's capacity", () => {
  const r = both(
    {
      TrafficType: "PHASES",
      Phases: [{ InitialNumberOfUsers: 30, SpawnRate: 0, DurationInSeconds: 1800 }],
    },
    { target: 2000, min: 1, max: 8, cooldownSeconds: 60 },
    60,
  );
  assert.ok(Math.max(...r.reference) > 2);
  assert.deepEqual(r.fast, r.reference);
});

Deno.test("fast core: a drained instance is paid for during its drain; capacity is unchanged", () => {
  const curve = profileCurve(PROFILE);
  const start = Date.UTC(2026, 0, 1);
  const load = periodLoad({ kind: "arrivals", steps: [{ at: start, value: 0 }] }, {
    start,
    periodSeconds: 60,
    periods: 30,
  });
  const candidate = {
    label: "tt",
    instanceType: "ml.c5.large",
    minCapacity: 1,
    maxCapacity: 4,
    // No load: AlarmLow fires after 15 + 1 minutes and removes the 2 extra instances at once.
    targetTracking: [{ metric: "invocations" as const, target: 1500 }],
    scheduledActions: [{ name: "start", schedule: "at(2026-01-01T00:00:00)", minCapacity: 3 }, {
      name: "relax",
      schedule: "at(2026-01-01T00:01:00)",
      minCapacity: 1,
    }],
  };
  const table = { minute: loadTable(load, { curve, sloMs: 1000 }) };
  const options = { vCpus: 2, pricePerHour: 0.6, tailMinutes: 0, timeline: true };
  const plain = runCandidate(table, candidate, { ...options, instanceDrainSeconds: 0 });
  const drained = runCandidate(table, candidate, { ...options, instanceDrainSeconds: 120 });
  assert.deepEqual(
    plain.minutes!.map((m) => m.capacity),
    drained.minutes!.map((m) => m.capacity),
  );
  assert.equal(drained.scores.instanceMinutes - plain.scores.instanceMinutes, 2 * 2);
});
