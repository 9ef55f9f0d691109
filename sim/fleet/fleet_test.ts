/**
 * The fleet model against values computed by hand from simulation-model.md on the fixture
 * profile `tests/fixtures/capacity_profile.json`:
 *
 * | c | X (req/s) | mean ms | p50/p95/p99 ms | CPU % | memory % |
 * |---|---|---|---|---|---|
 * | 1 | 20 | 50 | 45 / 80 / 100 | 50 | 20 |
 * | 2 | 40 | 50 | 45 / 80 / 100 | 100 | 20 |
 * | 4 | 50 | 80 | 72 / 128 / 160 | 125 | 21 |
 * | 8 | 49 -> 50 (made non-decreasing) | 160 | 150 / 260 / 330 | 130 | 22 |
 *
 * Utilization points on throughput: (20, 50 %, 20 %), (40, 100 %, 20 %), (50, 130 %, 22 %) — on
 * the plateau the highest-concurrency level (c = 8) stands for X = 50. Loads on one variant add
 * up as step functions.
 */
import assert from "node:assert/strict";
import type { CapacityProfile } from "../profile.ts";
import {
  fleetAt,
  fleetMetricRows,
  instanceAt,
  type InstanceRecord,
  integrateFleet,
  type LoadTimeline,
  openLoopSegment,
  profileCurve,
  sumLoads,
  throughputAt,
  truncateLoad,
  usersTimeline,
  utilizationAt,
} from "./mod.ts";

const profile: CapacityProfile = JSON.parse(
  Deno.readTextFileSync(new URL("../../tests/fixtures/capacity_profile.json", import.meta.url)),
);
const curve = profileCurve(profile);

function close(actual: number | undefined, expected: number, what: string, eps = 1e-9) {
  assert.ok(
    actual !== undefined && Math.abs(actual - expected) <= eps * Math.max(1, Math.abs(expected)),
    `${what}: expected ${expected}, got ${actual}`,
  );
}

function instance(id: string, inServiceAt: number, terminatedAt?: number): InstanceRecord {
  return { id, launchedAt: inServiceAt, inServiceAt, terminatedAt };
}

Deno.test("profile curve: non-decreasing, linear from the origin, plateau, c_sat", () => {
  assert.deepEqual(curve.throughput, [20, 40, 50, 50]);
  assert.equal(curve.maxThroughput, 50);
  close(curve.saturationConcurrency, 3.8, "c_sat (X = 49 between c = 2 and 4)");
  close(throughputAt(curve, 0.5), 10, "X(0.5) from the origin");
  close(throughputAt(curve, 1.5), 30, "X(1.5)");
  close(throughputAt(curve, 3), 45, "X(3)");
  close(throughputAt(curve, 6), 50, "X(6) on the flattened dip");
  close(throughputAt(curve, 1000), 50, "X past the last level");
  assert.equal(throughputAt(curve, 0), 0);
  assert.throws(() => profileCurve({ ...profile, levels: [] }), RangeError);
});

Deno.test("utilization interpolates on throughput, not on users", () => {
  assert.deepEqual(utilizationAt(curve, 45), { cpu: 115, memory: 21 });
  assert.deepEqual(utilizationAt(curve, 10), { cpu: 25, memory: 20 });
  assert.deepEqual(utilizationAt(curve, 50), { cpu: 130, memory: 22 });
});

Deno.test("closed loop: 6 users on 2 instances (c = 3)", () => {
  const point = fleetAt(curve, { users: 6, instances: 2 });
  close(point.invocationsPerSecond, 90, "T = 2 x X(3)");
  close(point.perInstance.latencyMs.mean, 1000 * 6 / 90, "Little: U / T");
  // Nearest level to c = 3 is a tie between 2 and 4: the lower one, ratio p95/mean = 80/50.
  close(point.perInstance.latencyMs.p95, 1000 * 6 / 90 * 1.6, "p95");
  close(point.perInstance.cpuPercent, 115, "CPU at 45 req/s");
  close(point.perInstance.memoryPercent, 21, "memory at 45 req/s");
});

Deno.test("closed loop past the last level: latency grows with c, percentiles from c = 8", () => {
  const point = instanceAt(curve, 10);
  close(point.successesPerSecond, 50, "X_max");
  close(point.latencyMs.mean, 200, "10 / 50 s");
  close(point.latencyMs.p50, 200 * 150 / 160, "p50");
  close(point.latencyMs.p95, 200 * 260 / 160, "p95");
  close(point.latencyMs.p99, 200 * 330 / 160, "p99");
  assert.equal(point.timeoutsPerSecond, 0);
});

Deno.test("closed loop past the timeout: requests fail as ModelError after the timeout", () => {
  // Timeout 2 s: c = 300 would wait 6 s; users cycle every 2 s -> 150 req/s, 50 succeed.
  const point = instanceAt(curve, 300, { timeoutSeconds: 2 });
  close(point.invocationsPerSecond, 150, "finished");
  close(point.successesPerSecond, 50, "successes");
  close(point.timeoutsPerSecond, 100, "timeouts");
  close(point.latencyMs.mean, 2000, "latency capped at the timeout");
  close(point.latencyMs.p99, 2000, "p99 capped at the timeout");
});

Deno.test("measured error rate: errors come on top of the successful throughput", () => {
  const curve1 = profileCurve({
    instanceType: "ml.c5.large",
    vCpus: 2,
    measuredOn: "test",
    levels: [{
      concurrency: 1,
      throughput: 99,
      latencyMs: { p50: 10, p95: 10, p99: 10, mean: 10 },
      cpuPercent: 50,
      memoryPercent: 20,
      errorRate: 0.01,
    }],
  });
  const window = integrateFleet({
    curve: curve1,
    load: { kind: "users", steps: [{ at: 0, value: 1 }] },
    instances: [instance("a", 0)],
    start: 0,
    end: 60_000,
  });
  assert.equal(window.periods[0].invocations, 6000);
  assert.equal(window.periods[0].serverErrors, 60);
  assert.equal(window.periods[0].modelErrors, 60);
});

Deno.test("users timeline: PHASES spawn per minute at even instants, STAIRS add per step", () => {
  const phases = usersTimeline({
    TrafficType: "PHASES",
    Phases: [{ InitialNumberOfUsers: 2, SpawnRate: 3, DurationInSeconds: 120 }],
  }, 1_000_000);
  assert.deepEqual(
    phases.steps.map((s) => [(s.at - 1_000_000) / 1000, s.value]),
    [[0, 2], [20, 3], [40, 4], [60, 5], [80, 6], [100, 7], [120, 0]],
  );
  const stairs = usersTimeline({
    TrafficType: "STAIRS",
    Stairs: { DurationInSeconds: 60, NumberOfSteps: 3, UsersPerStep: 2 },
  }, 0);
  assert.deepEqual(stairs.steps.map((s) => [s.at / 1000, s.value]), [[0, 2], [60, 4], [120, 6], [
    180,
    0,
  ]]);
  assert.deepEqual(truncateLoad(stairs, 90_000).steps.map((s) => [s.at / 1000, s.value]), [
    [0, 2],
    [60, 4],
    [90, 0],
  ]);
});

// Two minutes, users 2 + 2/min from t = 0, instance a InService from 0, b from 45 s.
// Minute 0: [0,30) U=2,N=1: c=2, 40/s -> 1200 (IPI 1200); [30,45) U=3,N=1: c=3, 45/s -> 675
// (IPI 675); [45,60) U=3,N=2: c=1.5, 2 x 30/s -> 900 (IPI 450). Invocations 2775, IPI 2325.
// Minute 1: [60,90) U=4,N=2: c=2, 80/s -> 2400 (IPI 1200); [90,120) U=5,N=2: c=2.5,
// 2 x 42.5/s -> 2550 (IPI 1275). Invocations 4950, IPI 2475.
const twoMinutes = {
  curve,
  load: usersTimeline({
    TrafficType: "PHASES",
    Phases: [{ InitialNumberOfUsers: 2, SpawnRate: 2, DurationInSeconds: 120 }],
  }, 0),
  instances: [instance("a", 0), instance("b", 45_000)],
  start: 0,
  end: 120_000,
};

Deno.test("integration: per-minute invocations and InvocationsPerInstance by hand", () => {
  const window = integrateFleet(twoMinutes);
  assert.deepEqual(window.periods.map((p) => p.invocations), [2775, 4950]);
  close(window.periods[0].invocationsPerInstance, 2325, "IPI minute 0");
  close(window.periods[1].invocationsPerInstance, 2475, "IPI minute 1");
  assert.deepEqual(window.periods.map((p) => p.maxInstances), [2, 2]);
  assert.deepEqual(window.periods.map((p) => p.usersAtEnd), [3, 5]);
});

Deno.test("integration: latency is request-weighted, percentiles from the pieces", () => {
  const minute = integrateFleet(twoMinutes).periods[0];
  // Latency: 50 ms on 1200 + 900 requests, 66.67 ms on 675: 150000 / 2775 ms on average.
  close(minute.latencyMs?.mean, 150_000 / 2775, "mean");
  close(minute.modelLatencyUs?.sum, 150_000 * 1000, "Sum of ModelLatency in microseconds");
  assert.equal(minute.modelLatencyUs?.sampleCount, 2775);
  // p95 of the mixture: the c = 3 piece's p95 (1.6 x 66.67 ms) is where 95 % is reached.
  close(minute.latencyMs?.p95, 1.6 * 1000 * 3 / 45, "p95");
  close(minute.latencyMs?.p50, 0.9 * 1000 * 3 / 45, "p50");
});

Deno.test("integration: CPU is one datapoint per instance, its average over the minute", () => {
  const minute = integrateFleet(twoMinutes).periods[0];
  // a: 100 % for 30 s (40/s), 115 % for 15 s (45/s), 75 % for 15 s (30/s) -> 97.5; b: 75 % for 15 s.
  assert.equal(minute.cpuUtilization?.sampleCount, 2);
  close(minute.cpuUtilization?.sum, 172.5, "sum");
  close(minute.cpuUtilization?.min, 75, "min");
  close(minute.cpuUtilization?.max, 97.5, "max");
});

Deno.test("integration: ConcurrentRequestsPerModel every 10 s is c = U / N", () => {
  const window = integrateFleet(twoMinutes);
  assert.equal(window.highResolution.length, 12);
  const avg = window.highResolution.map((h) => h.concurrency?.sum);
  // [40,50): 3 for 5 s then 1.5 for 5 s.
  assert.deepEqual(avg.slice(0, 6), [2, 2, 2, 3, 2.25, 1.5]);
  assert.equal(window.highResolution[4].concurrency?.min, 1.5);
  assert.equal(window.highResolution[4].concurrency?.max, 3);
});

Deno.test("integration: a window split in two with the carry gives the same minutes", () => {
  const whole = integrateFleet(twoMinutes);
  const first = integrateFleet({ ...twoMinutes, end: 60_000 });
  const second = integrateFleet({ ...twoMinutes, start: 60_000, carry: first.carry });
  assert.deepEqual(
    [...first.periods, ...second.periods].map((p) => [p.invocations, p.invocationsPerInstance]),
    whole.periods.map((p) => [p.invocations, p.invocationsPerInstance]),
  );
});

Deno.test("integration: a terminated instance stops taking traffic; none InService serves nothing", () => {
  const window = integrateFleet({
    curve,
    load: { kind: "users", steps: [{ at: 0, value: 4 }] },
    instances: [instance("a", 0), instance("b", 0, 30_000)],
    start: 0,
    end: 120_000,
  });
  // [0,30): c=2 on 2 -> 80/s -> 2400; [30,60): c=4 on 1 -> 50/s -> 1500.
  assert.equal(window.periods[0].invocations, 3900);
  assert.equal(window.periods[1].invocations, 3000);
  const none = integrateFleet({
    curve,
    load: { kind: "users", steps: [{ at: 0, value: 4 }] },
    instances: [instance("a", 60_000)],
    start: 0,
    end: 60_000,
  });
  assert.equal(none.periods[0].invocations, 0);
  assert.equal(none.periods[0].cpuUtilization, undefined);
  assert.equal(none.highResolution[0].concurrency, undefined);
});

Deno.test("property: total invocations equal the sum over instances", () => {
  // A seeded generator keeps the cases reproducible.
  let state = 12345;
  const rand = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 4294967296;
  };
  for (let trial = 0; trial < 200; trial++) {
    const instances: InstanceRecord[] = [];
    const count = 1 + Math.floor(rand() * 6);
    for (let i = 0; i < count; i++) {
      const inServiceAt = Math.floor(rand() * 600) * 1000;
      const terminatedAt = rand() < 0.3
        ? inServiceAt + Math.floor(rand() * 900 + 1) * 1000
        : undefined;
      instances.push(instance(`i-${i}`, inServiceAt, terminatedAt));
    }
    const load: LoadTimeline = usersTimeline({
      TrafficType: "PHASES",
      Phases: [{
        InitialNumberOfUsers: 1 + Math.floor(rand() * 3),
        SpawnRate: Math.floor(rand() * 7),
        DurationInSeconds: 120 + Math.floor(rand() * 900),
      }],
    }, Math.floor(rand() * 120) * 1000);
    const window = integrateFleet({ curve, load, instances, start: 0, end: 1_200_000 });
    const byInstance = Object.values(window.invocationsByInstance).reduce((a, b) => a + b, 0);
    close(byInstance, window.invocations, `trial ${trial}: sum over instances`, 1e-9);
    const perMinute = window.periods.reduce((a, p) => a + p.invocations, 0);
    assert.equal(perMinute, Math.round(window.invocations), `trial ${trial}: sum over minutes`);
  }
});

Deno.test("open loop: a backlog grows over capacity, drains under it, times out when full", () => {
  const over = openLoopSegment(curve, { lambda: 60, instances: 1, backlog: 0, seconds: 10 });
  close(over.invocations, 500, "served at capacity");
  close(over.backlogEnd, 100, "backlog after 10 s at +10/s");
  const drain = openLoopSegment(curve, { lambda: 30, instances: 1, backlog: 100, seconds: 10 });
  // 5 s at 50/s drains 100 at 20/s, then 5 s at 30/s.
  close(drain.invocations, 400, "drained");
  assert.equal(drain.backlogEnd, 0);
  // Timeout 2 s: the queue holds at most 2 x 50 = 100; 10 s more at +10/s time out 100.
  const full = openLoopSegment(curve, { lambda: 60, instances: 1, backlog: 0, seconds: 20 }, {
    timeoutSeconds: 2,
  });
  close(full.timeouts, 100, "timeouts");
  close(full.invocations, 1100, "finished incl. timeouts");
  const steady = openLoopSegment(curve, { lambda: 45, instances: 1, backlog: 0, seconds: 10 });
  close(steady.meanConcurrency, 3, "X(c) = 45 at c = 3");
  close(steady.latencyMsSum / steady.invocations, 1000 * 3 / 45, "Little");
});

Deno.test("open loop through integrateFleet carries the backlog across windows", () => {
  const load: LoadTimeline = {
    kind: "arrivals",
    steps: [{ at: 0, value: 60 }, { at: 60_000, value: 30 }],
  };
  const first = integrateFleet({
    curve,
    load,
    instances: [instance("a", 0)],
    start: 0,
    end: 60_000,
  });
  close(first.carry.backlog, 600, "10/s over capacity for 60 s");
  assert.equal(first.periods[0].invocations, 3000);
  const second = integrateFleet({
    curve,
    load,
    instances: [instance("a", 0)],
    start: 60_000,
    end: 120_000,
    carry: first.carry,
  });
  // Draining 600 at 20/s takes 30 s at 50/s, then 30 s at 30/s: 1500 + 900.
  assert.equal(second.periods[0].invocations, 2400);
  assert.equal(second.carry.backlog, 0);
});

Deno.test("noise: seeded, bounded, deterministic; absent by default", () => {
  const a = integrateFleet({ ...twoMinutes, options: { noiseSeed: 7 } });
  const b = integrateFleet({ ...twoMinutes, options: { noiseSeed: 7 } });
  const plain = integrateFleet(twoMinutes);
  assert.deepEqual(a.periods, b.periods);
  assert.notDeepEqual(a.periods.map((p) => p.invocations), plain.periods.map((p) => p.invocations));
  for (let i = 0; i < 2; i++) {
    const ratio = a.periods[i].invocations / plain.periods[i].invocations;
    assert.ok(ratio >= 0.949 && ratio <= 1.051, `ratio ${ratio} within 5 %`);
  }
});

Deno.test("metric rows: names, units, dimensions and periods of the AWS metrics", () => {
  const rows = fleetMetricRows(integrateFleet(twoMinutes), {
    endpointName: "ep",
    variantName: "AllTraffic",
  });
  const names = new Set(rows.map((r) => `${r.namespace} ${r.metricName} ${r.unit}`));
  assert.deepEqual([...names].sort(), [
    "/aws/sagemaker/Endpoints CPUUtilization Percent",
    "/aws/sagemaker/Endpoints MemoryUtilization Percent",
    "AWS/SageMaker ConcurrentRequestsPerModel None",
    "AWS/SageMaker Invocation4XXErrors None",
    "AWS/SageMaker Invocation5XXErrors None",
    "AWS/SageMaker InvocationModelErrors None",
    "AWS/SageMaker Invocations None",
    "AWS/SageMaker InvocationsPerInstance None",
    "AWS/SageMaker ModelLatency Microseconds",
  ]);
  const invocations = rows.filter((r) => r.metricName === "Invocations");
  assert.deepEqual(invocations.map((r) => [r.timestamp, r.sum]), [[0, 2775], [60_000, 4950]]);
  const hi = rows.filter((r) => r.metricName === "ConcurrentRequestsPerModel");
  assert.equal(hi.length, 12);
  assert.ok(hi.every((r) => r.storageResolution === 1 && r.timestamp % 10_000 === 0));
  assert.ok(rows.every((r) =>
    r.dimensions.length === 2 && r.dimensions[0].Value === "ep" &&
    r.dimensions[1].Value === "AllTraffic"
  ));
});

Deno.test("sumLoads adds step functions", () => {
  const a = { kind: "users" as const, steps: [{ at: 0, value: 2 }, { at: 30, value: 0 }] };
  const b = { kind: "users" as const, steps: [{ at: 10, value: 1 }, { at: 30, value: 2 }] };
  assert.deepEqual(sumLoads([a, b]).steps, [
    { at: 0, value: 2 },
    { at: 10, value: 3 },
    { at: 30, value: 2 },
  ]);
  assert.equal(sumLoads([a]), a);
});
