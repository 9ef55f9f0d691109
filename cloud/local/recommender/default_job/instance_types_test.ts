// Proves a type that was not measured is derived with a stated factor, never copied: a 4-vCPU
// type gets twice the 2-vCPU measurement's throughput at twice the concurrency with the same
// latency, memory % scales with the memory size, and the profile says "x2".
import assert from "node:assert/strict";
import { ORIGINAL_PROFILE } from "../../../../sim/profiles/original.ts";
import { profileCurve } from "../../../../sim/fleet/mod.ts";
import { deriveProfile, levelsOfProfile } from "./instance_types.ts";

Deno.test("deriveProfile: x vCPUs in throughput and concurrency, latency kept, factor stated", () => {
  const p = deriveProfile(ORIGINAL_PROFILE, {
    target: { instanceType: "ml.c5.2xlarge", vCpus: 8, memoryGiB: 16 },
    measuredMemoryGiB: 4,
  });
  const base = profileCurve(ORIGINAL_PROFILE);
  const derived = profileCurve(p);
  assert.equal(derived.maxThroughput, base.maxThroughput * 4);
  assert.equal(derived.saturationConcurrency, base.saturationConcurrency * 4);
  assert.deepEqual(p.levels[3].latencyMs, ORIGINAL_PROFILE.levels[3].latencyMs);
  assert.equal(p.levels[0].memoryPercent, ORIGINAL_PROFILE.levels[0].memoryPercent / 4);
  assert.match(p.measuredOn, /^derived, not measured: ml\.c5\.large x4 \(8 vs 2 vCPUs/);
});

Deno.test("levelsOfProfile: a profile's levels as one-minute load-generator levels", () => {
  const levels = levelsOfProfile(ORIGINAL_PROFILE);
  assert.equal(levels.length, ORIGINAL_PROFILE.levels.length);
  assert.equal(Math.round(levels.at(-1)!.successesPerSecond * 60), 9068);
  assert.equal(levels[0].users, 1);
});
