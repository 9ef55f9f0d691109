import assert from "node:assert/strict";
import {
  type TrafficPattern,
  trafficPatternSeconds,
  usersAt,
  userSchedule,
  validateTrafficPattern,
} from "./traffic_pattern.ts";

// Two phases: 1 user + 6 users/min for 30 s (one new user every 10 s), then 2 users + 20/min for
// 12 s (one every 3 s). Users do not carry over between phases.
const PHASES: TrafficPattern = {
  TrafficType: "PHASES",
  Phases: [
    { InitialNumberOfUsers: 1, SpawnRate: 6, DurationInSeconds: 30 },
    { InitialNumberOfUsers: 2, SpawnRate: 20, DurationInSeconds: 12 },
  ],
};

Deno.test("usersAt gives the users at every second of a PHASES pattern", () => {
  // deno-fmt-ignore
  const expected = [
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, // 0-9 s: initial user
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, // 10-19 s: first spawn at 60/6 = 10 s
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, // 20-29 s
    2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, // 30-41 s: phase 2 starts at 2, +1 every 3 s
    0, 0, // the pattern is over
  ];
  const actual = expected.map((_, t) => usersAt(PHASES, t));
  assert.deepEqual(actual, expected);
  assert.equal(trafficPatternSeconds(PHASES), 42);
});

Deno.test("usersAt gives the users at every second of a STAIRS pattern", () => {
  const stairs: TrafficPattern = {
    TrafficType: "STAIRS",
    Stairs: { DurationInSeconds: 4, NumberOfSteps: 3, UsersPerStep: 2 },
  };
  const expected = [2, 2, 2, 2, 4, 4, 4, 4, 6, 6, 6, 6, 0, 0];
  assert.deepEqual(expected.map((_, t) => usersAt(stairs, t)), expected);
  assert.equal(trafficPatternSeconds(stairs), 12);
  assert.deepEqual(userSchedule(stairs), [
    { atSeconds: 0, users: 2 },
    { atSeconds: 4, users: 4 },
    { atSeconds: 8, users: 6 },
    { atSeconds: 12, users: 0 },
  ]);
});

Deno.test("usersAt is 0 before the start and handles fractional times", () => {
  assert.equal(usersAt(PHASES, -0.5), 0);
  assert.equal(usersAt(PHASES, 9.999), 1);
  assert.equal(usersAt(PHASES, 10), 2);
  // 0.7 users/min: the 7th user arrives exactly at 600 s despite floating-point rounding.
  const slow: TrafficPattern = {
    Phases: [{ InitialNumberOfUsers: 1, SpawnRate: 0.7, DurationInSeconds: 700 }],
  };
  assert.equal(usersAt(slow, 600), 8);
  assert.equal(usersAt(slow, 599.9), 7);
});

Deno.test("userSchedule lists every change and agrees with usersAt", () => {
  const steps = userSchedule(PHASES);
  assert.deepEqual(steps, [
    { atSeconds: 0, users: 1 },
    { atSeconds: 10, users: 2 },
    { atSeconds: 20, users: 3 },
    { atSeconds: 30, users: 2 },
    { atSeconds: 33, users: 3 },
    { atSeconds: 36, users: 4 },
    { atSeconds: 39, users: 5 },
    { atSeconds: 42, users: 0 },
  ]);
  for (let t = 0; t < 44; t += 0.5) {
    const current = steps.filter((s) => s.atSeconds <= t + 1e-9).at(-1)!;
    assert.equal(current.users, usersAt(PHASES, t), `at ${t} s`);
  }
});

Deno.test("a phase with no spawn rate holds its initial users", () => {
  const flat: TrafficPattern = { Phases: [{ InitialNumberOfUsers: 3, DurationInSeconds: 5 }] };
  assert.deepEqual(userSchedule(flat), [{ atSeconds: 0, users: 3 }, { atSeconds: 5, users: 0 }]);
});

Deno.test("validateTrafficPattern rejects malformed patterns with a clear message", () => {
  assert.throws(() => validateTrafficPattern(null), TypeError);
  assert.throws(
    () => validateTrafficPattern({ TrafficType: "PHASES", Phases: [] }),
    /at least one/,
  );
  assert.throws(
    () => validateTrafficPattern({ Phases: [{ InitialNumberOfUsers: 0, DurationInSeconds: 10 }] }),
    /Phases\[0\]\.InitialNumberOfUsers must be at least 1, got 0/,
  );
  assert.throws(
    () =>
      validateTrafficPattern({
        Phases: [{ InitialNumberOfUsers: 1, SpawnRate: -1, DurationInSeconds: 10 }],
      }),
    RangeError,
  );
  assert.throws(
    () =>
      validateTrafficPattern({
        TrafficType: "STAIRS",
        Stairs: { DurationInSeconds: 10, NumberOfSteps: 1.5, UsersPerStep: 1 },
      }),
    /NumberOfSteps must be a whole number/,
  );
  assert.throws(() => validateTrafficPattern({ TrafficType: "WAVES", Phases: [] }), /TrafficType/);
  assert.equal(
    validateTrafficPattern({ Stairs: { DurationInSeconds: 1, NumberOfSteps: 1, UsersPerStep: 1 } })
      .TrafficType,
    "STAIRS",
  );
});
