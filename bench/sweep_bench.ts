// Benchmark (not a test): the policy sweep's fast core at the size the sweep promises — 1,000
// candidate scaling configurations (target tracking on InvocationsPerInstance, CPU and
// high-resolution concurrency at 56 targets between 30 and 90 % of the measured peak, two
// scale-out cooldowns, three min/max bounds) x 3 patterns (ramp 1 h, spike 1 h, diurnal 24 h),
// alarms and scaling decisions included, on the test fixture's capacity profile. Tabulating the
// patterns is part of the time. Run: deno task bench:sweep — the last lines state the time, the
// simulated hours per second and the cost of one simulated hour (median of 3 runs).
import { profileCurve } from "../sim/fleet/mod.ts";
import type { CapacityProfile } from "../sim/profile.ts";
import { diurnalPattern, rampPattern, spikePattern } from "../sim/sweep/patterns.ts";
import { sweepPolicies } from "../sim/sweep/sweep.ts";
import { defaultCandidates } from "../steps/sweep_grid.ts";
import { defaultSloMs } from "../steps/sweep.ts";
import { holdBenchMachine } from "./_machine.ts";

const CANDIDATES = 1000;
const profile: CapacityProfile = JSON.parse(
  await Deno.readTextFile(new URL("../tests/fixtures/capacity_profile.json", import.meta.url)),
);
const curve = profileCurve(profile);
const baseTps = Math.round(curve.maxThroughput);
const patterns = [
  rampPattern(curve, { minutes: 60 }),
  spikePattern({ baseTps, minutes: 60 }),
  diurnalPattern({ baseTps, minutes: 1440 }),
];
const fractions = Array.from({ length: 56 }, (_, i) => 0.3 + 0.6 * i / 55);
const candidates = defaultCandidates(curve, {
  plan: { minCapacity: 1, maxCapacity: 12 },
  instanceType: profile.instanceType,
  fractions,
}).map((c) => c.config);
// Interleave the metrics so that the first 1,000 keep the grid's mix.
const mixed = [0, 1, 2].flatMap((r) => candidates.filter((_, i) => i % 3 === r));
const chosen = mixed.slice(0, CANDIDATES);
const highRes = chosen.filter((c) => c.targetTracking?.some((t) => t.metric === "concurrency"));
const patternHours = patterns.reduce((a, p) => a + p.minutes / 60, 0);
const simulatedHours = chosen.length * patternHours;

const machine = await holdBenchMachine("bench:sweep", Deno.args);
const times: number[] = [];
let check = 0;
for (let i = 0; i < 3; i++) {
  const t0 = performance.now();
  const out = sweepPolicies({ profile, patterns, candidates: chosen }, {
    sloMs: defaultSloMs(curve),
    pricePerHour: 0.102,
  });
  times.push(performance.now() - t0);
  check += out.results.length;
}
if (check !== 3 * chosen.length * patterns.length) throw new Error("the sweep lost results");
times.sort((a, b) => a - b);
const median = times[1];
console.log(machine.line());
console.log(
  `sweep: ${chosen.length} candidates (${highRes.length} high-resolution) x ${patterns.length} patterns (ramp 1 h, spike 1 h, diurnal 24 h) = ${simulatedHours} simulated hours`,
);
console.log(
  `sweep: median ${(median / 1000).toFixed(2)} s (min ${(times[0] / 1000).toFixed(2)} s) — ${
    Math.round(simulatedHours / (median / 1000))
  } simulated hours/s, ${(median / simulatedHours).toFixed(4)} ms per simulated hour, one process`,
);
