// Proves the sweep's patterns carry the invocations they are made of: a replayed trace's total
// equals the file's, the built-in open-loop patterns add up, and a ramp is the Advanced job's.
import assert from "node:assert/strict";
import { parseTrace } from "../trace.ts";
import { profileCurve } from "../fleet/mod.ts";
import {
  diurnalPattern,
  rampPattern,
  replayPattern,
  spikePattern,
  stepPattern,
} from "./patterns.ts";
import { periodLoad } from "./load_table.ts";

Deno.test("patterns: a replayed trace's total equals the file's, gaps included", () => {
  const csv = [
    "timestamp,invocations",
    "2026-01-05T00:00:10Z,100",
    "2026-01-05T00:00:40Z,20",
    "2026-01-05T00:03:00Z,7",
    "",
    "1767571440,33", // 2026-01-05T00:04:00Z in epoch seconds
  ].join("\n");
  const trace = parseTrace(csv);
  const pattern = replayPattern("trace:t.csv", trace.minutes);
  assert.equal(pattern.totalInvocations, 160);
  assert.equal(pattern.totalInvocations, trace.total);
  assert.equal(pattern.peakPerMinute, 120);
  assert.equal(pattern.minutes, 5);
  // The load the simulator reads gives back the same invocations per minute.
  const load = periodLoad(pattern.load, { start: pattern.start, periodSeconds: 60, periods: 5 });
  const perMinute = Array.from({ length: 5 }, (_, p) => {
    let sum = 0;
    for (let k = load.offsets[p]; k < load.offsets[p + 1]; k++) {
      sum += load.values[k] * load.seconds[k];
    }
    return sum;
  });
  assert.deepEqual(perMinute.map((v) => Math.round(v * 1e6) / 1e6), [120, 0, 0, 7, 33]);
});

Deno.test("patterns: step, spike and diurnal totals are their minutes' sums", () => {
  const step = stepPattern({ baseTps: 2, factor: 3, minutes: 60 });
  assert.equal(step.totalInvocations, 15 * 120 + 45 * 360);
  const spike = spikePattern({ baseTps: 2, factor: 5, minutes: 60 });
  assert.equal(spike.totalInvocations, 50 * 120 + 10 * 600);
  const day = diurnalPattern({ baseTps: 2, factor: 4 });
  assert.equal(day.peakPerMinute, 480);
  assert.equal(Math.min(...day.load.steps.slice(0, -1).map((s) => s.value * 60)), 120);
});

Deno.test("patterns: the ramp is one PHASES phase of the Advanced job", () => {
  const level = (concurrency: number, throughput: number) => ({
    concurrency,
    throughput,
    latencyMs: { p50: 20, p95: 30, p99: 40, mean: 22 },
    cpuPercent: 50,
    memoryPercent: 10,
    errorRate: 0,
  });
  const curve = profileCurve({
    instanceType: "ml.c5.large",
    vCpus: 2,
    measuredOn: "t",
    levels: [level(1, 25), level(4, 60)],
  });
  const ramp = rampPattern(curve, { spawnRate: 3, minutes: 30 });
  assert.deepEqual(ramp.traffic, {
    TrafficType: "PHASES",
    Phases: [{ InitialNumberOfUsers: 1, SpawnRate: 3, DurationInSeconds: 1800 }],
  });
  assert.equal(ramp.load.kind, "users");
  assert.equal(ramp.load.steps.at(-2)!.value, 1 + 3 * 30 - 1);
});
