// simulate() is the fleet functions and the scaling arithmetic run together: with scaling
// pinned it gives exactly what integrateFleet gives over the same range, and on the ramp of the
// fleet benchmark it makes the scaling decisions that the benchmark's own loop of the same
// functions and the local Advanced job make (4 activities, 12 instances, 36,000 per minute).
import assert from "node:assert/strict";
import { integrateFleet, NO_CARRY, profileCurve, usersTimeline } from "./fleet/mod.ts";
import type { CapacityProfile } from "./profile.ts";
import { simulate } from "./simulate.ts";

const profile: CapacityProfile = JSON.parse(
  Deno.readTextFileSync(new URL("../tests/fixtures/capacity_profile.json", import.meta.url)),
);
const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;
const RAMP = {
  TrafficType: "PHASES" as const,
  Phases: [{ InitialNumberOfUsers: 1, SpawnRate: 1, DurationInSeconds: 3600 }],
};

Deno.test("simulate: with capacity pinned, the minutes are integrateFleet's periods", () => {
  const timeline = simulate({
    profile,
    scaling: { target: 1500, min: 2, max: 2 },
    traffic: RAMP,
    start: T0,
    end: T0 + HOUR,
  });
  const whole = integrateFleet({
    curve: profileCurve(profile),
    load: usersTimeline(RAMP, T0),
    instances: [
      { id: "i-0001", launchedAt: T0, inServiceAt: T0 },
      { id: "i-0002", launchedAt: T0, inServiceAt: T0 },
    ],
    start: T0,
    end: T0 + HOUR,
    carry: NO_CARRY,
  });
  assert.equal(timeline.minutes.length, 60);
  assert.deepEqual(timeline.minutes.map((m) => m.period), whole.periods);
  assert.deepEqual(timeline.activities, []);
  assert.ok(timeline.minutes.every((m) => m.capacity === 2));
});

Deno.test("simulate: the fleet benchmark's ramp scales out as its loop of the same functions does", () => {
  const timeline = simulate({
    profile,
    scaling: { target: 1500, min: 1, max: 12, cooldownSeconds: 300 },
    traffic: RAMP,
    start: T0,
    end: T0 + HOUR,
  });
  assert.equal(Math.max(...timeline.minutes.map((m) => m.period.invocations)), 36000);
  assert.equal(timeline.activities.length, 4);
  assert.equal(timeline.minutes.at(-1)!.capacity, 12);
  assert.ok(timeline.activities.every((a) => a.alarm === "high" && a.to > a.from));
  // A scale-out's instances take traffic 240 s later, and nothing else changes meanwhile.
  for (const [i, a] of timeline.activities.entries()) {
    const added = timeline.instances.filter((x) => x.launchedAt === a.at);
    assert.equal(added.length, a.to - a.from);
    assert.ok(added.every((x) => x.inServiceAt === a.at + 240_000));
    const next = timeline.activities[i + 1];
    if (next !== undefined) assert.ok(next.at >= a.at + 240_000);
  }
});

Deno.test("simulate: a falling load scales in after AlarmLow's 15 periods, not before", () => {
  const steady = {
    TrafficType: "PHASES" as const,
    Phases: [{ InitialNumberOfUsers: 1, SpawnRate: 0, DurationInSeconds: 3600 }],
  };
  const timeline = simulate({
    profile,
    scaling: { target: 1500, min: 1, max: 12 },
    traffic: steady,
    start: T0,
    end: T0 + HOUR,
  }, { initialInstances: 4 });
  const first = timeline.activities[0];
  assert.equal(first.alarm, "low");
  assert.ok(first.to < first.from);
  // 15 periods below the threshold, each visible one minute after it closes.
  assert.ok(first.at >= T0 + 16 * 60_000, new Date(first.at).toISOString());
});
