// Golden timelines with the calibrated delays of cloud/local/kernel/settings.ts (the defaults),
// derived by hand from ../shared/spec/autoscaling.md §5, §6, §9 and driven only through the
// public commands (stored SageMaker metric rows, the simulated clock, DescribeScalingActivities,
// DescribeAlarms):
// - metricDelaySeconds = 120 (spec §5: the observed 2–3 minute CloudWatch delay of standard
//   metrics): the datapoint of minute m ([60m, 60m + 60) s) is first seen by the evaluation at
//   60(m + 1) + 120 s;
// - instanceStartSeconds = 240 (spec §6, §9.7): a scale-out activity runs 240 s;
// - instanceDrainSeconds = 120 ([INF] settings.ts): a scale-in takes the instances out of
//   service at once and completes 120 s later; its cooldown starts then (spec §1.3, §9.5).
// The high-resolution path (10 s datapoints, 10 s delay) keeps its 40 s reaction: see
// tests/autoscaling_highres_golden_test.ts.
import { PutScalingPolicyCommand } from "@aws-sdk/client-application-auto-scaling";
import assert from "node:assert/strict";
import {
  brief,
  type ScalingHarness,
  withScaling,
} from "../cloud/local/testdata/scaling_harness.ts";
import { TRACK_INVOCATIONS } from "./testdata/track_invocations.ts";
import { DEFAULT_LOCAL_SETTINGS } from "../cloud/local/kernel/settings.ts";

/** The calibrated defaults, instead of the harness's hand-derived 60 s delay and instant removal. */
const CALIBRATED = {
  metricDelaySeconds: DEFAULT_LOCAL_SETTINGS.metricDelaySeconds,
  instanceDrainSeconds: DEFAULT_LOCAL_SETTINGS.instanceDrainSeconds,
};

function invocations(h: ScalingHarness, values: Record<number, number>) {
  for (const [m, v] of Object.entries(values)) {
    h.putMetric("InvocationsPerInstance", Number(m) * 60, v);
  }
}

Deno.test("calibrated delays: the defaults are 120 s of metric delay, 240 s to start, 120 s to drain", () => {
  assert.equal(DEFAULT_LOCAL_SETTINGS.metricDelaySeconds, 120);
  assert.equal(DEFAULT_LOCAL_SETTINGS.highResolutionMetricDelaySeconds, 10);
  assert.equal(DEFAULT_LOCAL_SETTINGS.instanceStartSeconds, 240);
  assert.equal(DEFAULT_LOCAL_SETTINGS.instanceDrainSeconds, 120);
});

Deno.test("calibrated delays: a step load is first scaled out 5 min after it starts", async () => {
  // 1 instance, target 70; the load steps to 245 per minute at t = 0. AlarmHigh (3 of 3 > 70)
  // needs minutes 0, 1, 2; minute 2 is seen at 60 × 3 + 120 = 300 s: ALARM then, scale-out to
  // ceil(1 × 245 / 70) = 4, InProgress 300 → 540 s. At 240 s only minutes 0 and 1 are visible.
  await withScaling(
    { instances: 1, register: { min: 1, max: 10 }, settings: CALIBRATED },
    async (h) => {
      const policy = await h.autoscaling.send(new PutScalingPolicyCommand(TRACK_INVOCATIONS));
      const high = policy.Alarms![0].AlarmName!;
      const values: Record<number, number> = {};
      for (let m = 0; m < 8; m++) values[m] = 245;
      invocations(h, values);
      await h.sleepTo(299);
      assert.equal(await h.capacity(), 1);
      assert.notEqual((await h.alarms()).find((a) => a.AlarmName === high)!.StateValue, "ALARM");
      await h.sleepTo(300);
      assert.equal((await h.alarms()).find((a) => a.AlarmName === high)!.StateValue, "ALARM");
      await h.sleepTo(600);
      const first = (await h.activities()).map((a) => brief(a, h.t0))[0];
      assert.deepEqual([first.at, first.description, first.end], [
        300,
        "Setting desired instance count to 4.",
        540,
      ]);
      assert.ok(first.at >= 5 * 60, "first scale-out at least 5 min after the load starts");
    },
  );
});

Deno.test("calibrated delays: scale-in starts 17 min after the load stops and drains for 2 min", async () => {
  // 4 instances, target 70: AlarmLow is 15 of 15 minutes < 63. Minutes 0-4 carry 65 (neither
  // high nor low), then the load stops: minutes 5.. carry 0. The 15 newest minutes are all low
  // first at minutes 5..19, seen at 60 × 20 + 120 = 1320 s: 17 min after the stop (300 s).
  // desired = ceil(4 × 0 / 70) = 0, clamped to MinCapacity 1. The three removed instances stop
  // taking traffic at once; the activity completes after the drain, at 1440 s.
  await withScaling(
    { instances: 4, register: { min: 1, max: 10 }, settings: CALIBRATED },
    async (h) => {
      const policy = await h.autoscaling.send(new PutScalingPolicyCommand(TRACK_INVOCATIONS));
      const low = policy.Alarms![1].AlarmName!;
      const values: Record<number, number> = {};
      for (let m = 0; m < 30; m++) values[m] = m < 5 ? 65 : 0;
      invocations(h, values);
      await h.sleepTo(1319);
      assert.equal(await h.capacity(), 4);
      assert.deepEqual(await h.activities(true), []);
      await h.sleepTo(1320);
      assert.equal((await h.alarms()).find((a) => a.AlarmName === low)!.StateValue, "ALARM");
      assert.equal(await h.capacity(), 1);
      let [activity] = (await h.activities()).map((a) => brief(a, h.t0));
      assert.deepEqual([activity.at, activity.status, activity.description], [
        1320,
        "InProgress",
        "Setting desired instance count to 1.",
      ]);
      assert.ok(activity.at - 300 >= 15 * 60, "scale-in at least 15 min after the load stops");
      await h.sleepTo(1440);
      [activity] = (await h.activities()).map((a) => brief(a, h.t0));
      assert.deepEqual([activity.status, activity.end], ["Successful", 1440]);
    },
  );
});
