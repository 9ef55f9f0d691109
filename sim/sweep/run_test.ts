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
  const reference = simulate({ profile: PROFILE, scaling, traffic, start, end });
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
  }, { vCpus: 2, pricePerHour: 0.1, timeline: true, tailMinutes: 0 });
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
