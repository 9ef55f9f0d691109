// Proves profileFromMetrics turns a hand-made AWS Default job series into levels by Little's law
// (throughput = Invocations / 60, concurrency = throughput x ModelLatency), sorted, minutes
// without traffic dropped, and that checkCapacityProfile names the first wrong field in one line.
import assert from "node:assert/strict";
import { checkCapacityProfile, profileFromMetrics } from "./profile.ts";
import { profileCurve } from "./fleet/mod.ts";

Deno.test("profileFromMetrics: one level per minute with traffic, by Little's law", () => {
  const p = profileFromMetrics({
    instanceType: "ml.c5.large",
    vCpus: 2,
    invocations: [0, 1200, 4800, 9000, 9068, 9050],
    modelLatencyUs: [0, 50_000, 50_000, 80_000, 120_000, 200_000],
    cpuUtilization: [2, 30, 100, 190, 196, 197],
    memoryUtilization: [5, 6, 7, 8, 9, 9],
  }, { source: "job j" });
  assert.equal(p.levels.length, 5);
  assert.deepEqual(p.levels.map((l) => l.concurrency), [1, 4, 12, 18.136, 30.167]);
  assert.equal(p.levels[3].throughput * 60, 9068);
  assert.equal(p.levels[0].latencyMs.mean, 50);
  assert.equal(p.levels[4].cpuPercent, 197);
  assert.match(p.measuredOn, /from profile, not measured here: built from job j/);
  assert.equal(Math.round(profileCurve(p).maxThroughput * 60), 9068);
  assert.throws(
    () =>
      profileFromMetrics({
        instanceType: "ml.c5.large",
        vCpus: 2,
        invocations: [1],
        modelLatencyUs: [],
        cpuUtilization: [1],
      }),
    /ModelLatency 0/,
  );
});

Deno.test("checkCapacityProfile: accepts a profile, names a wrong field", () => {
  const level = {
    concurrency: 1,
    throughput: 10,
    latencyMs: { p50: 1, p95: 2, p99: 3, mean: 1 },
    cpuPercent: 10,
    memoryPercent: 1,
    errorRate: 0,
  };
  const ok = checkCapacityProfile({ instanceType: "ml.m5.large", vCpus: 2, levels: [level] }, "x");
  assert.match(ok.measuredOn, /^from profile, not measured/);
  assert.throws(
    () => checkCapacityProfile({ instanceType: "c5", vCpus: 2, levels: [level] }, "in f.json"),
    /^RangeError: Cannot use the capacity profile in f.json: "instanceType" must be/,
  );
  assert.throws(
    () =>
      checkCapacityProfile({
        instanceType: "ml.c5.large",
        vCpus: 2,
        levels: [{ ...level, latencyMs: { p50: 1 } }],
      }, "in f.json"),
    /levels\[0\]\.latencyMs\.p95 must be a number >= 0$/,
  );
  assert.throws(() => checkCapacityProfile([], "in f.json"), /not a JSON object/);
});
