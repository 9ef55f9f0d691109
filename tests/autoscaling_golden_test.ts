// Golden timelines of the local Application Auto Scaling + CloudWatch alarms, each derived by
// hand from ../shared/spec/autoscaling.md and driven only through the public commands
// (RegisterScalableTarget, PutScalingPolicy, PutScheduledAction, PutMetricAlarm, PutMetricData or
// stored SageMaker metric rows, the simulated clock, DescribeScalingActivities, DescribeAlarms).
//
// Common facts used below (defaults of cloud/local/settings.ts, spec §5, §6, §9):
// - t = 0 is the whole minute at which the endpoint became InService. Alarms with 60 s periods
//   are evaluated at every whole minute; the datapoint of minute m ([60m, 60m + 60) s) becomes
//   visible 60 s after its period ends, so it is first seen by the evaluation at 60(m + 2) s.
// - A scale-out activity keeps the endpoint Updating for instanceStartSeconds = 240 s; removing
//   instances completes at once. Auto Scaling actions repeat every 60 s while the alarm stays in
//   ALARM; while the endpoint is Updating a repeat that would scale is "not scaled" with
//   TargetServicePutResourceAsUnscalable (an [INF] choice, spec §6).
// - Target tracking (§1.1): AlarmHigh = 3 of 3 minutes > target; AlarmLow = 15 of 15 minutes
//   < 0.9 × target; desired = ceil(current × metric / target) (§1.2); cooldowns 300 s (§1.3).
import {
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  PutScalingPolicyCommand,
  type PutScalingPolicyCommandInput,
  PutScheduledActionCommand,
} from "@aws-sdk/client-application-auto-scaling";
import {
  DescribeAlarmHistoryCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
} from "@aws-sdk/client-cloudwatch";
import assert from "node:assert/strict";
import {
  brief,
  type ScalingHarness,
  TARGET,
  withScaling,
} from "../cloud/local/testdata/scaling_harness.ts";
import { TRACK_INVOCATIONS } from "./testdata/track_invocations.ts";

/** InvocationsPerInstance (Sum) of minute m, as the fleet would store it. */
function invocations(h: ScalingHarness, values: Record<number, number>) {
  for (const [m, v] of Object.entries(values)) {
    h.putMetric("InvocationsPerInstance", Number(m) * 60, v);
  }
}

/** A custom metric `App/QueueDepth` of minute m, published with PutMetricData. */
async function queueDepth(h: ScalingHarness, values: Record<number, number>) {
  for (const [m, v] of Object.entries(values)) {
    await h.cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: "App",
        MetricData: [{
          MetricName: "QueueDepth",
          Timestamp: new Date(h.t0 + Number(m) * 60_000 + 1_000),
          Value: v,
        }],
      }),
    );
  }
}

/** A 1-of-1, 60 s alarm on App/QueueDepth (Maximum) that invokes `actions`. */
async function queueAlarm(
  h: ScalingHarness,
  name: string,
  threshold: number,
  op: "GreaterThanOrEqualToThreshold" | "LessThanThreshold",
  actions: string[],
) {
  await h.cloudwatch.send(
    new PutMetricAlarmCommand({
      AlarmName: name,
      Namespace: "App",
      MetricName: "QueueDepth",
      Statistic: "Maximum",
      Period: 60,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      Threshold: threshold,
      ComparisonOperator: op,
      AlarmActions: actions,
    }),
  );
}

async function stepPolicy(
  h: ScalingHarness,
  name: string,
  config: NonNullable<PutScalingPolicyCommandInput["StepScalingPolicyConfiguration"]>,
): Promise<string> {
  const out = await h.autoscaling.send(
    new PutScalingPolicyCommand({
      ...TARGET,
      PolicyName: name,
      PolicyType: "StepScaling",
      StepScalingPolicyConfiguration: config,
    }),
  );
  return out.PolicyARN!;
}

const seconds = (d: Date | undefined) => d === undefined ? undefined : d.getTime();

Deno.test("golden: target tracking scales out after the third high datapoint, proportionally", async () => {
  // 1 instance, target 70 invocations per instance per minute. Minutes 0, 1, 2 carry 100, 120
  // and 245. AlarmHigh (3 of 3 > 70) first sees minute 2 at 60 × (2 + 2) = 240 s: ALARM then,
  // not at 180 s when only two points were visible (INSUFFICIENT_DATA: no premature ALARM, §5).
  // The policy takes the newest datapoint: ceil(1 × 245 / 70) = ceil(3.5) = 4 (rounded up, §1.2).
  // The activity runs 240 → 480 s (new instances take 240 s). The repeats at 300 and 360 s, with
  // the scale-out cooldown computing from the capacity before it (1), ask for 4 again: "not scaled,
  // AlreadyAtDesiredCapacity" (§1.3). At 420 s the range holds only 2 real points: INSUFFICIENT_DATA.
  await withScaling({ instances: 1, register: { min: 1, max: 10 } }, async (h) => {
    const policy = await h.autoscaling.send(new PutScalingPolicyCommand(TRACK_INVOCATIONS));
    const high = policy.Alarms![0].AlarmName!;
    invocations(h, { 0: 100, 1: 120, 2: 245 });

    await h.sleepTo(180);
    let alarm = (await h.alarms()).find((a) => a.AlarmName === high)!;
    assert.equal(alarm.StateValue, "INSUFFICIENT_DATA");
    await h.sleepTo(239);
    assert.equal(await h.capacity(), 1);
    assert.deepEqual(await h.activities(true), []);

    await h.sleepTo(240);
    alarm = (await h.alarms()).find((a) => a.AlarmName === high)!;
    assert.equal(alarm.StateValue, "ALARM");
    assert.equal(seconds(alarm.StateUpdatedTimestamp), h.t0 + 240_000);
    assert.equal(await h.capacity(), 4);

    await h.sleepTo(600);
    const cause = `monitor alarm ${high} in state ALARM triggered policy invocations`;
    assert.deepEqual((await h.activities()).map((a) => brief(a, h.t0)), [
      {
        at: 240,
        status: "Successful",
        description: "Setting desired instance count to 4.",
        cause,
        end: 480,
      },
    ]);
    assert.deepEqual(
      (await h.activities(true)).map((a) => brief(a, h.t0)).slice(1),
      [300, 360].map((at) => ({
        at,
        status: "Failed",
        description: "Attempting to scale due to alarm triggered",
        cause,
        end: at, // final at once: it ends when it starts (AAS-ACT)
        notScaled: [{ Code: "AlreadyAtDesiredCapacity", CurrentCapacity: 4 }],
      })),
    );
    alarm = (await h.alarms()).find((a) => a.AlarmName === high)!;
    assert.equal(alarm.StateValue, "INSUFFICIENT_DATA");
    assert.equal(seconds(alarm.StateUpdatedTimestamp), h.t0 + 420_000);
  });
});

Deno.test("golden: no scale-in before fifteen datapoints below 0.9 × target, then the scale-in cooldown", async () => {
  // 4 instances, target 70: AlarmLow is 15 of 15 minutes < 63. Every minute carries 30, except
  // minute 5 which carries exactly 63 (not below 63). The 15 newest minutes are all low first at
  // minutes 6..20, seen at 60 × (20 + 2) = 1320 s; before that the range holds the 63, so the
  // alarm is OK (from 420 s, when minute 5 is seen) and nothing scales in, for 21 minutes of low
  // traffic. At 1320 s: ceil(4 × 30 / 70) = ceil(1.71) = 2 — scale in to 2, removals complete at
  // once (EndTime 1320). The AlarmLow repeats every minute, but the 300 s scale-in cooldown blocks
  // scale-in (and records nothing) until 1620 s: then ceil(2 × 30 / 70) = 1.
  await withScaling({ instances: 4, register: { min: 1, max: 10 } }, async (h) => {
    const policy = await h.autoscaling.send(new PutScalingPolicyCommand(TRACK_INVOCATIONS));
    const [high, low] = policy.Alarms!.map((a) => a.AlarmName!);
    const values: Record<number, number> = {};
    for (let m = 0; m < 40; m++) values[m] = m === 5 ? 63 : 30;
    invocations(h, values);

    await h.sleepTo(420);
    let alarms = await h.alarms();
    const lowAlarm = () => alarms.find((a) => a.AlarmName === low)!;
    assert.equal(lowAlarm().StateValue, "OK");
    assert.equal(seconds(lowAlarm().StateUpdatedTimestamp), h.t0 + 420_000);
    await h.sleepTo(1319);
    assert.equal(await h.capacity(), 4);
    assert.deepEqual(await h.activities(true), []);

    await h.sleepTo(1320);
    alarms = await h.alarms();
    assert.equal(lowAlarm().StateValue, "ALARM");
    assert.equal(alarms.find((a) => a.AlarmName === high)!.StateValue, "OK");
    assert.equal(await h.capacity(), 2);
    await h.sleepTo(1619);
    assert.equal(await h.capacity(), 2);
    await h.sleepTo(1620);
    assert.equal(await h.capacity(), 1);

    const cause = `monitor alarm ${low} in state ALARM triggered policy invocations`;
    assert.deepEqual((await h.activities()).map((a) => brief(a, h.t0)), [
      {
        at: 1320,
        status: "Successful",
        description: "Setting desired instance count to 2.",
        cause,
        end: 1320,
      },
      {
        at: 1620,
        status: "Successful",
        description: "Setting desired instance count to 1.",
        cause,
        end: 1620,
      },
    ]);
    // Nothing at all, not even "not scaled", between them: the cooldown blocks silently.
    assert.deepEqual(
      (await h.activities(true)).map((a) => (a.StartTime!.getTime() - h.t0) / 1000),
      [1320, 1620],
    );
  });
});

Deno.test("golden: during a scale-out cooldown the capacity already added counts (+2 then +3 adds 1)", async () => {
  // AAS-STEP's example (spec §3). Step policy: breach [0, 20) → +2, [20, ∞) → +3, Cooldown 600 s,
  // wired to a 1-of-1 alarm "QueueDepth >= 100". Minute 0 = 110 (breach 10), minutes 1.. = 130
  // (breach 30). 1 instance.
  // - 120 s: ALARM, breach 10 → +2: 1 → 3 (completes 360 s; cooldown until 360 + 600 = 960 s,
  //   computed from the capacity before it, 1).
  // - 180, 240, 300 s: the repeats ask for 1 + 3 = 4 but SageMaker is Updating: not scaled.
  // - 360 s: InService; breach 30 → +3 from the cooldown's base 1 = 4: only +1 more (not 3 → 6).
  //   Completes 600 s; the cooldown, still running, now ends at 600 + 600 = 1200 s, same base.
  // - 420 .. 1140 s: 1 + 3 = 4 = current: not scaled, AlreadyAtDesiredCapacity.
  // - 1200 s: the cooldown is over; +3 from the current 4 = 7, starting a new cooldown from 4, so
  //   the repeat at 1260 s asks for 4 + 3 = 7 again: not scaled.
  await withScaling({ instances: 1, register: { min: 1, max: 10 } }, async (h) => {
    const arn = await stepPolicy(h, "step-out", {
      AdjustmentType: "ChangeInCapacity",
      StepAdjustments: [
        { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 20, ScalingAdjustment: 2 },
        { MetricIntervalLowerBound: 20, ScalingAdjustment: 3 },
      ],
      Cooldown: 600,
    });
    await queueAlarm(h, "queue-high", 100, "GreaterThanOrEqualToThreshold", [arn]);
    const values: Record<number, number> = { 0: 110 };
    for (let m = 1; m <= 25; m++) values[m] = 130;
    await queueDepth(h, values);

    await h.sleepTo(1260);
    const cause = "monitor alarm queue-high in state ALARM triggered policy step-out";
    assert.deepEqual((await h.activities()).map((a) => brief(a, h.t0)), [
      {
        at: 120,
        status: "Successful",
        description: "Setting desired instance count to 3.",
        cause,
        end: 360,
      },
      {
        at: 360,
        status: "Successful",
        description: "Setting desired instance count to 4.",
        cause,
        end: 600,
      },
      {
        at: 1200,
        status: "InProgress",
        description: "Setting desired instance count to 7.",
        cause,
      },
    ]);
    const notScaled = (await h.activities(true)).filter((a) => a.NotScaledReasons !== undefined);
    assert.deepEqual(
      notScaled.map((a) => [(a.StartTime!.getTime() - h.t0) / 1000, a.NotScaledReasons![0].Code]),
      [
        [180, "TargetServicePutResourceAsUnscalable"],
        [240, "TargetServicePutResourceAsUnscalable"],
        [300, "TargetServicePutResourceAsUnscalable"],
        ...[420, 480, 540, 600, 660, 720, 780, 840, 900, 960, 1020, 1080, 1140, 1260].map((
          t,
        ) => [t, "AlreadyAtDesiredCapacity"]),
      ],
    );
  });
});

Deno.test("golden: a scale-out ends a scale-in cooldown", async () => {
  // 3 instances. "step-in": breach (−∞, 0] → −1, Cooldown 900 s, on "QueueDepth < 50";
  // "step-out": [0, ∞) → +1, Cooldown 60 s, on "QueueDepth >= 100". Minutes 0-1 = 20, minute 2 =
  // 150, minutes 3.. = 20.
  // - 120 s: queue-low ALARM → 3 → 2 (removal: complete at once); step-in cools until 1020 s.
  // - 180 s: queue-low repeats; blocked by the scale-in cooldown (no activity).
  // - 240 s: queue-high ALARM → 2 → 3 (Updating until 480 s). This scale-out ends step-in's
  //   scale-in cooldown (spec §1.3, §3).
  // - 300-420 s: queue-low ALARM again; SageMaker is Updating: not scaled.
  // - 480 s: InService: step-in scales in 3 → 2, 540 s before its old cooldown would have ended.
  //   It then cools until 480 + 900 = 1380 s: no scale-in through 1320 s.
  await withScaling({ instances: 3, register: { min: 1, max: 10 } }, async (h) => {
    const scaleIn = await stepPolicy(h, "step-in", {
      AdjustmentType: "ChangeInCapacity",
      StepAdjustments: [{ MetricIntervalUpperBound: 0, ScalingAdjustment: -1 }],
      Cooldown: 900,
    });
    const scaleOut = await stepPolicy(h, "step-out", {
      AdjustmentType: "ChangeInCapacity",
      StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }],
      Cooldown: 60,
    });
    await queueAlarm(h, "queue-low", 50, "LessThanThreshold", [scaleIn]);
    await queueAlarm(h, "queue-high", 100, "GreaterThanOrEqualToThreshold", [scaleOut]);
    const values: Record<number, number> = {};
    for (let m = 0; m <= 25; m++) values[m] = m === 2 ? 150 : 20;
    await queueDepth(h, values);

    await h.sleepTo(1320);
    const low = "monitor alarm queue-low in state ALARM triggered policy step-in";
    const high = "monitor alarm queue-high in state ALARM triggered policy step-out";
    assert.deepEqual((await h.activities()).map((a) => brief(a, h.t0)), [
      {
        at: 120,
        status: "Successful",
        description: "Setting desired instance count to 2.",
        cause: low,
        end: 120,
      },
      {
        at: 240,
        status: "Successful",
        description: "Setting desired instance count to 3.",
        cause: high,
        end: 480,
      },
      {
        at: 480,
        status: "Successful",
        description: "Setting desired instance count to 2.",
        cause: low,
        end: 480,
      },
    ]);
    assert.equal(await h.capacity(), 2);
  });
});

Deno.test("golden: step adjustments by breach size, percent rounding and MinAdjustmentMagnitude", async () => {
  // PercentChangeInCapacity, MinAdjustmentMagnitude 2, Cooldown 0; breach [0, 50) → +25 %,
  // [50, ∞) → +60 %; alarm "QueueDepth >= 100" (1 of 1). 4 instances. Quiet minutes carry 90.
  // - minute 0 = 120 (breach 20), seen at 120 s: 25 % of 4 = 1, raised to 2 → 6 (done 360 s).
  // - minute 4 = 170 (breach 70), seen at 360 s: 60 % of 6 = 3.6 → 3 (rounded down) → 9.
  // - minute 8 = 149 (breach 49), seen at 600 s: 25 % of 9 = 2.25 → 2 (= the minimum) → 11.
  // - minute 12 = 150 (breach exactly 50: above the threshold a step includes its lower bound),
  //   seen at 840 s: 60 % of 11 = 6.6 → 6 → 17.
  await withScaling({ instances: 4, register: { min: 1, max: 20 } }, async (h) => {
    const arn = await stepPolicy(h, "percent-out", {
      AdjustmentType: "PercentChangeInCapacity",
      MinAdjustmentMagnitude: 2,
      StepAdjustments: [
        { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 50, ScalingAdjustment: 25 },
        { MetricIntervalLowerBound: 50, ScalingAdjustment: 60 },
      ],
      Cooldown: 0,
    });
    await queueAlarm(h, "queue-high", 100, "GreaterThanOrEqualToThreshold", [arn]);
    const values: Record<number, number> = {};
    for (let m = 0; m <= 14; m++) values[m] = 90;
    Object.assign(values, { 0: 120, 4: 170, 8: 149, 12: 150 });
    await queueDepth(h, values);

    await h.sleepTo(1200);
    const cause = "monitor alarm queue-high in state ALARM triggered policy percent-out";
    assert.deepEqual(
      (await h.activities()).map((a) => [brief(a, h.t0).at, a.Description, a.Cause]),
      [
        [120, "Setting desired instance count to 6.", cause],
        [360, "Setting desired instance count to 9.", cause],
        [600, "Setting desired instance count to 11.", cause],
        [840, "Setting desired instance count to 17.", cause],
      ],
    );
    assert.equal(await h.capacity(), 17);
  });
});

Deno.test("golden: min/max clamping and AlreadyAtMaxCapacity", async () => {
  // 2 instances, max 3, target 70; minutes 0-4 carry 350. AlarmHigh ALARM at 240 s:
  // ceil(2 × 350 / 70) = 10, clamped to 3 (§1.2). The repeats at 300-480 s ask for 10 again
  // (from the cooldown's base 2): the capacity is at the maximum, so "not scaled" with
  // AlreadyAtMaxCapacity (MaxCapacity 3) — checked before SageMaker's Updating state. From 540 s
  // only 2 real points remain in range: INSUFFICIENT_DATA, no more invocations.
  await withScaling({ instances: 2, register: { min: 1, max: 3 } }, async (h) => {
    const policy = await h.autoscaling.send(new PutScalingPolicyCommand(TRACK_INVOCATIONS));
    const high = policy.Alarms![0].AlarmName!;
    invocations(h, { 0: 350, 1: 350, 2: 350, 3: 350, 4: 350 });
    await h.sleepTo(900);
    const cause = `monitor alarm ${high} in state ALARM triggered policy invocations`;
    const notScaled = {
      status: "Failed",
      description: "Attempting to scale due to alarm triggered",
      cause,
      notScaled: [{ Code: "AlreadyAtMaxCapacity", MaxCapacity: 3 }],
    };
    assert.deepEqual((await h.activities(true)).map((a) => brief(a, h.t0)), [
      {
        at: 240,
        status: "Successful",
        description: "Setting desired instance count to 3.",
        cause,
        end: 480,
      },
      ...[300, 360, 420, 480].map((at) => ({ at, ...notScaled, end: at })),
    ]);
    assert.equal(await h.capacity(), 3);
  });
});

Deno.test("golden: a step policy that no alarm names never acts", async () => {
  // A step policy (+1 on any breach) exists, and InvocationsPerInstance is far above anything for
  // 15 minutes; a user alarm on it is in ALARM but lists no action. Nothing scales: a step policy
  // is inert until an alarm's AlarmActions name it (spec §3, AAS-STEP-CLI). Wiring the same alarm
  // to the policy then scales at the next evaluation (16 min), so the policy itself works.
  await withScaling({ instances: 1, register: { min: 1, max: 5 } }, async (h) => {
    const arn = await stepPolicy(h, "unwired", {
      AdjustmentType: "ChangeInCapacity",
      StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }],
    });
    const values: Record<number, number> = {};
    for (let m = 0; m < 20; m++) values[m] = 1000;
    invocations(h, values);
    const alarm = {
      AlarmName: "invocations-very-high",
      Namespace: "AWS/SageMaker",
      MetricName: "InvocationsPerInstance",
      Dimensions: [{ Name: "EndpointName", Value: "ep" }, {
        Name: "VariantName",
        Value: "AllTraffic",
      }],
      Statistic: "Sum" as const,
      Period: 60,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      Threshold: 500,
      ComparisonOperator: "GreaterThanThreshold" as const,
    };
    await h.cloudwatch.send(new PutMetricAlarmCommand(alarm));
    await h.sleepTo(930);
    assert.equal((await h.alarms())[0].StateValue, "ALARM");
    assert.equal(await h.capacity(), 1);
    assert.deepEqual(await h.activities(true), []);
    const policyAlarms = async () =>
      (await h.autoscaling.send(
        new DescribeScalingPoliciesCommand({
          ServiceNamespace: "sagemaker",
          PolicyNames: ["unwired"],
        }),
      )).ScalingPolicies![0].Alarms!.map((a) => a.AlarmName);
    assert.deepEqual(await policyAlarms(), []);

    await h.cloudwatch.send(new PutMetricAlarmCommand({ ...alarm, AlarmActions: [arn] }));
    assert.deepEqual(await policyAlarms(), ["invocations-very-high"]);
    await h.sleepTo(960);
    assert.deepEqual((await h.activities()).map((a) => [brief(a, h.t0).at, a.Description]), [
      [960, "Setting desired instance count to 2."],
    ]);
  });
});

Deno.test("golden: a scheduled action raises MinCapacity, another lowers MaxCapacity", async () => {
  // No policies, 1 instance, [1, 5]. "raise-min" at(t0 + 10 min) sets MinCapacity 3: the bounds
  // change (one activity), then the capacity 1 is below 3, so a second activity scales to 3 with
  // Cause "minimum capacity was set to 3" (spec §4; AWS's published activity wording), done 240 s
  // later. "evening" at(t0 + 20 min), given in New York time, sets [1, 2]: capacity 3 is above 2,
  // so it scales in to 2 ("maximum capacity was set to 2"). Scheduled actions ignore cooldowns.
  await withScaling({ instances: 1, register: { min: 1, max: 5 } }, async (h) => {
    const utc = (t: number) => new Date(t).toISOString().slice(0, 19);
    const newYork = (t: number) =>
      new Date(t).toLocaleString("sv-SE", { timeZone: "America/New_York" }).replace(" ", "T");
    await h.autoscaling.send(
      new PutScheduledActionCommand({
        ...TARGET,
        ScheduledActionName: "raise-min",
        Schedule: `at(${utc(h.t0 + 600_000)})`,
        ScalableTargetAction: { MinCapacity: 3 },
      }),
    );
    await h.autoscaling.send(
      new PutScheduledActionCommand({
        ...TARGET,
        ScheduledActionName: "evening",
        Schedule: `at(${newYork(h.t0 + 1_200_000)})`,
        Timezone: "America/New_York",
        ScalableTargetAction: { MinCapacity: 1, MaxCapacity: 2 },
      }),
    );
    await h.sleepTo(599);
    assert.equal(await h.capacity(), 1);
    await h.sleepTo(600);
    assert.equal(await h.capacity(), 3);
    const targets = await h.autoscaling.send(
      new DescribeScalableTargetsCommand({ ServiceNamespace: "sagemaker" }),
    );
    assert.deepEqual([
      targets.ScalableTargets![0].MinCapacity,
      targets.ScalableTargets![0].MaxCapacity,
    ], [3, 5]);

    await h.sleepTo(1300);
    const all = await h.activities();
    assert.deepEqual(all.map((a) => brief(a, h.t0)), [
      {
        at: 600,
        status: "Successful",
        description: "Setting min capacity to 3",
        cause: "scheduled action name raise-min was triggered",
        end: 600,
      },
      {
        at: 600,
        status: "Successful",
        description: "Setting desired instance count to 3.",
        cause: "minimum capacity was set to 3",
        end: 840,
      },
      {
        at: 1200,
        status: "Successful",
        description: "Setting min capacity to 1 and max capacity to 2",
        cause: "scheduled action name evening was triggered",
        end: 1200,
      },
      {
        at: 1200,
        status: "Successful",
        description: "Setting desired instance count to 2.",
        cause: "maximum capacity was set to 2",
        end: 1200,
      },
    ]);
    assert.equal(all[0].StatusMessage, "Successfully set min capacity to 3");
    assert.equal(await h.capacity(), 2);
  });
});

Deno.test("golden: a 2-of-3 step alarm scales on its breaching datapoints, not on the mean of all three", async () => {
  // 1 instance, [1, 5]. "queue-high" is 2 of 3 minutes of App/QueueDepth >= 100 (Maximum); the
  // policy's only step is [0, ∞) → +1. Minutes 0, 1, 2 = 150, 0, 120. The evaluation at 240 s
  // is the first to see all three (minute 2 is visible 60 s after it ends): two breach, ALARM. The mean of
  // the three, 90, is below the threshold and matches no step; the breach AWS scales on is the
  // aggregate (Average) of the breaching points, 135 − 100 = 35 → +1 (sim/step_scaling.ts,
  // stepMetricValue). The activity runs 240 → 480 s; the repeats while the endpoint is Updating
  // are not scaled and end when they start.
  await withScaling({ instances: 1, register: { min: 1, max: 5 } }, async (h) => {
    const arn = await stepPolicy(h, "step-out", {
      AdjustmentType: "ChangeInCapacity",
      Cooldown: 600,
      StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }],
    });
    await queueDepth(h, { 0: 150, 1: 0, 2: 120 });
    await h.cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: "queue-high",
        Namespace: "App",
        MetricName: "QueueDepth",
        Statistic: "Maximum",
        Period: 60,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        Threshold: 100,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        AlarmActions: [arn],
      }),
    );
    await h.sleepTo(360);
    const alarm = (await h.alarms()).find((a) => a.AlarmName === "queue-high")!;
    assert.equal(alarm.StateValue, "ALARM");
    const scaled = (await h.activities()).map((a) => brief(a, h.t0));
    assert.deepEqual(scaled.map((a) => [a.at, a.description]), [
      [240, "Setting desired instance count to 2."],
    ]);
    assert.equal(await h.capacity(), 2);
    const history = await h.cloudwatch.send(
      new DescribeAlarmHistoryCommand({ AlarmName: "queue-high", HistoryItemType: "Action" }),
    );
    assert.ok(
      !(history.AlarmHistoryItems ?? []).some((i) => /No step adjustment/.test(i.HistorySummary!)),
    );
    const notScaled = (await h.activities(true)).filter((a) => a.NotScaledReasons !== undefined);
    assert.ok(notScaled.length > 0);
    for (const a of notScaled) assert.equal(a.EndTime?.getTime(), a.StartTime!.getTime());
  });
});
