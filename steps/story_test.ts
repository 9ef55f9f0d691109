// Proves that the notebook's generated sentences follow the results: the verdict and its margin,
// whether the load or the capacity limited a run, the fastest policy, the agreement with the
// original's verdicts, and the plan's numbers on either backend.
import assert from "node:assert/strict";
import {
  comparisonStory,
  evaluationStory,
  markdown,
  originalComparisonStory,
  planStory,
} from "./story.ts";
import type { EvaluateResult, PlanResult } from "./types.ts";

const t = (m: number) => new Date(Date.UTC(2026, 0, 1, 0, m)).toISOString();

function evaluation(overrides: Partial<EvaluateResult> & { perMinute: number[] }): EvaluateResult {
  const { perMinute, ...rest } = overrides;
  const series = perMinute.map((invocations, m) => ({
    time: t(m),
    invocations,
    instancesInService: m < 2 ? 2 : 4,
    desiredInstances: 4,
  }));
  const max = Math.max(...perMinute);
  return {
    jobName: "j",
    policyLabel: "target tracking",
    spawnRate: 1,
    expectation: 4000,
    maxInvocationsRealized: max,
    minutesToExpectation: null,
    instanceMinutes: series.reduce((n, p) => n + p.instancesInService, 0),
    worstP95Ms: 20,
    stopReason: "TrafficPatternEnd",
    passed: false,
    reasons: [`peak ${max} is short`],
    series,
    activities: [{
      time: t(1),
      description: "Setting desired instance count to 4.",
      status: "Successful",
    }],
    created: [],
    ...rest,
  };
}

Deno.test("evaluationStory() says a run was capacity-limited when its instances were as busy as they got", () => {
  const text = evaluationStory(evaluation({ perMinute: [1000, 2000, 3600, 3600] })).text;
  assert.ok(text.startsWith("**target tracking** at 1 users/min **failed**: 3,600 of 4,000"));
  assert.match(text, /-10 %; the expectation was not reached in 4 minutes \(TrafficPatternEnd\)/);
  assert.match(text, /from 2 to 4 instances in service \(1 scaling activity: desired 4\)/);
  assert.match(
    text,
    /4 users gave 4 instances 900 invocations each, 90 % of the most they carried/,
  );
  assert.match(text, /capacity set the pace/);
  const measured = evaluationStory(evaluation({ perMinute: [1000, 2000, 3600, 3600] }), {
    measuredMaximum: 1800,
    rampMinutes: 30,
  }).text;
  assert.match(
    measured,
    /900 invocations each, 50 % of what one instance carried in the benchmark \(1,800\): the instances had room, the load \(users\) set the pace/,
  );
});

Deno.test("evaluationStory() says a run was load-limited when its instances carried less than before", () => {
  const text = evaluationStory(evaluation({ perMinute: [1000, 2000, 3600, 2000] })).text;
  assert.match(text, /In the last minute 4 users gave 4 instances 500 invocations each, 50 %/);
  assert.match(text, /the load \(users\) set the pace/);
});

Deno.test("evaluationStory() gives the time a pass took against the ramp's length", () => {
  const e = evaluation({ perMinute: [1000, 5000], passed: true, minutesToExpectation: 1 });
  assert.match(
    evaluationStory(e, { rampMinutes: 30 }).text,
    /reached after 1 minutes of the 30-minute ramp/,
  );
});

Deno.test("comparisonStory() names the fastest policy and every one that failed, with its reason", () => {
  const passed = (policyLabel: string, minutes: number) =>
    evaluation({
      policyLabel,
      spawnRate: 3,
      perMinute: [1000, 5000],
      passed: true,
      minutesToExpectation: minutes,
    });
  const text = comparisonStory([
    passed("target tracking x1.3", 9),
    passed("step scaling", 4),
    evaluation({ perMinute: [1000, 3000] }),
  ]).text;
  assert.match(
    text,
    /\*\*step scaling\*\* at 3 users\/min reached the expectation first \(4 min\)/,
  );
  assert.match(text, /1 of 3 did not: target tracking \(peak 3000 is short\)/);
  const all = comparisonStory([passed("step scaling", 4)]).text;
  assert.match(all, /Every policy held the expectation at its ramp/);
});

Deno.test("originalComparisonStory() counts the verdicts that agree with the original's", () => {
  const text = originalComparisonStory([
    evaluation({ perMinute: [5000], passed: true }),
    evaluation({
      policyLabel: "target tracking x1.3",
      spawnRate: 3,
      perMinute: [5000],
      passed: true,
    }),
    evaluation({ policyLabel: "scheduled", perMinute: [100] }),
  ]).text;
  assert.match(text, /^1 of 3 verdicts agree with the original's/);
  assert.match(text, /x1\.3\*\* at 3 users\/min: the original failed, this run \*\*passed\*\*/);
  assert.match(text, /a different verdict/);
  assert.match(
    text,
    /\*\*scheduled\*\* at 1 users\/min: not in the original; this run \*\*failed\*\*/,
  );
});

Deno.test("planStory() gives the local expectation as 3.5 x the maximum and AWS's as the original's", () => {
  const plan: PlanResult = {
    maxTps: 350,
    minTps: 70,
    growthFactor: 1.2,
    upperLimit: 3300,
    tpsSingleInstance: 55,
    minCapacity: 2,
    maxCapacity: 8,
    invocationsPerInstance: 3300,
  };
  const analysis = { maxValue: 6000, upperLimit: 3300, upperPercent: 55 };
  const local = planStory(analysis, plan, { backend: "local" }).text;
  assert.match(
    local,
    /\*\*max 350 TPS\*\* \(21,000 invocations per minute, 3\.5 x the measured maximum\)/,
  );
  assert.match(local, /6\.4 instances at the upper limit, so the evaluations must scale/);
  assert.ok(!/costs/.test(local), "no cost without a price");
  const aws = planStory(analysis, { ...plan, maxTps: 500 }, { backend: "aws" }).text;
  assert.match(aws, /\*\*max 500 TPS\*\* and min 70 TPS, as in the original/);
});

Deno.test("markdown() prints as its text outside the kernel", () => {
  assert.equal(`${markdown("**a**")}`, "**a**");
});
