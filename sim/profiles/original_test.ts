// Proves the built-in `original` profile says what its sources say: 9,068 invocations per minute
// at saturation on a 2-vCPU ml.c5.large, 66 ms unloaded latency (so 44 closed-loop users on an
// unsaturated fleet make the published 39,783 a minute), a non-decreasing curve the fleet model
// accepts, and CPU on CloudWatch's summed scale.
import assert from "node:assert/strict";
import { profileCurve } from "../fleet/mod.ts";
import { ORIGINAL_PROFILE } from "./original.ts";

Deno.test("original: 9,068/min at saturation, 66 ms unloaded, CPU within 0-200 %", () => {
  const curve = profileCurve(ORIGINAL_PROFILE);
  assert.equal(Math.floor(curve.maxThroughput * 60 + 1e-6), 9068);
  assert.equal(ORIGINAL_PROFILE.vCpus, 2);
  const first = ORIGINAL_PROFILE.levels[0];
  assert.ok(Math.abs(first.latencyMs.mean - 66) < 0.5, `${first.latencyMs.mean} ms at 1 user`);
  // 44 users on enough instances: 44 x 60 s / 66 ms = 40,000 a minute, the published peak's size.
  assert.ok(Math.abs(44 * 60_000 / 66 - 39_783) / 39_783 < 0.01);
  for (let i = 1; i < ORIGINAL_PROFILE.levels.length; i++) {
    const [a, b] = [ORIGINAL_PROFILE.levels[i - 1], ORIGINAL_PROFILE.levels[i]];
    assert.ok(b.throughput >= a.throughput && b.latencyMs.mean >= a.latencyMs.mean);
  }
  assert.ok(ORIGINAL_PROFILE.levels.every((l) => l.cpuPercent > 0 && l.cpuPercent <= 200));
  assert.ok(curve.saturationConcurrency > 10 && curve.saturationConcurrency < 25);
});
