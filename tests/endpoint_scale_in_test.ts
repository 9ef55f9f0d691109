// The scale-in after a load test (issue 13): an Advanced job ramps an endpoint with a
// target-tracking policy up to several instances; once the job ends the endpoint stays on the
// simulated clock and publishes zero-valued invocation metrics (settings.idleInvocationMetrics
// "zero", SageMaker's auto-scaling prerequisites page, spec autoscaling.md §1.4), so the
// AlarmLow (15 of 15 minutes below 0.9 × target) goes to ALARM and the fleet scales in to
// MinCapacity. Derivation with the calibrated defaults (spec §5, §6; settings.ts): the last
// loaded minute is the one before the load's end L; the 15 zero minutes after it are all seen at
// L + 15 min + 2 min of metric delay = L + 17 min, when desired = ceil(n × 0 / target) = 0,
// clamped to MinCapacity 1. The removed instances drain for 2 min, so the activity is
// Successful at L + 19 min. With the older reading (`"none"`: no invocation metrics when idle)
// both alarms go INSUFFICIENT_DATA and the fleet stays at its peak.
import {
  DescribeScalingActivitiesCommand,
  type ScalingActivity,
} from "@aws-sdk/client-application-auto-scaling";
import { DescribeAlarmsCommand, type MetricAlarm } from "@aws-sdk/client-cloudwatch";
import {
  DescribeEndpointCommand,
  DescribeInferenceRecommendationsJobCommand,
  ListInferenceRecommendationsJobStepsCommand,
} from "@aws-sdk/client-sagemaker";
import assert from "node:assert/strict";
import type { LocalSettings } from "../cloud/local/kernel/settings.ts";
import { openTrackedRamp } from "./testdata/tracked_ramp.ts";

const MINUTE = 60_000;

interface AfterJob {
  /** When the job's load ended, epoch ms. */
  loadEnd: number;
  /** When the first scale-out started, minutes after the load's start. */
  firstScaleOutMinute: number;
  /** The most instances in service at a minute's end during the job. */
  peak: number;
  /** Instances in service at whole minutes after the load's end (index = minutes; from a few on). */
  capacityAfter: number[];
  activities: ScalingActivity[];
  /** The target-tracking alarms at the end, AlarmHigh then AlarmLow. */
  alarms: MetricAlarm[];
  /** The alarms 16 min after the load's end (before any scale-in could happen). */
  alarmsBefore: MetricAlarm[];
}

async function runJob(settings: Partial<LocalSettings>): Promise<AfterJob> {
  const { cloud, loadStart, close } = await openTrackedRamp({
    prefix: "scale-in-",
    bucket: "scale-in-models",
    local: settings,
    metric: "SageMakerVariantInvocationsPerInstance",
    targetValue: 1000,
    ramp: { jobName: "eval", initialUsers: 2, spawnRate: 2, seconds: 900 },
  });
  try {
    const inService = async () =>
      (await cloud.sagemaker.send(new DescribeEndpointCommand({ EndpointName: "ep" })))
        .ProductionVariants![0].CurrentInstanceCount!;
    const alarms = async () =>
      (await cloud.cloudwatch.send(
        new DescribeAlarmsCommand({ AlarmNamePrefix: "TargetTracking-endpoint/ep/" }),
      )).MetricAlarms!.sort((a, b) =>
        a.AlarmName!.includes("AlarmHigh") ? -1 : b.AlarmName!.includes("AlarmHigh") ? 1 : 0
      );
    let peak = 0;
    let status = "IN_PROGRESS";
    while (status === "IN_PROGRESS") {
      await cloud.clock.sleep(MINUTE);
      peak = Math.max(peak, await inService());
      status = (await cloud.sagemaker.send(
        new DescribeInferenceRecommendationsJobCommand({ JobName: "eval" }),
      )).Status!;
    }
    assert.equal(status, "COMPLETED");
    const job = await cloud.sagemaker.send(
      new ListInferenceRecommendationsJobStepsCommand({ JobName: "eval" }),
    );
    const loadEnd = job.Steps![0].InferenceBenchmark!.InvocationEndTime!.getTime();
    const capacityAfter: number[] = [];
    let alarmsBefore: MetricAlarm[] = [];
    // The job is seen COMPLETED a little after its load ended: sample from the next whole minute.
    const first = Math.ceil((cloud.clock.now().getTime() - loadEnd) / MINUTE);
    await cloud.clock.sleep(loadEnd + first * MINUTE - cloud.clock.now().getTime());
    for (let m = first; m <= 45; m++) {
      capacityAfter[m] = await inService();
      if (m === 16) alarmsBefore = await alarms();
      await cloud.clock.sleep(MINUTE);
    }
    const activities = (await cloud.autoscaling.send(
      new DescribeScalingActivitiesCommand({
        ServiceNamespace: "sagemaker",
        IncludeNotScaledActivities: true,
      }),
    )).ScalingActivities!.reverse(); // oldest first
    const firstOut = activities.find((a) =>
      /AlarmHigh/.test(a.Cause!) && a.NotScaledReasons === undefined
    )!;
    return {
      loadEnd,
      firstScaleOutMinute: (firstOut.StartTime!.getTime() - loadStart) / MINUTE,
      peak,
      capacityAfter,
      activities,
      alarms: await alarms(),
      alarmsBefore,
    };
  } finally {
    await close();
  }
}

Deno.test("after a job the fleet scales in to MinCapacity within 15-45 min, as AWS shows it", async () => {
  const run = await runJob({});
  assert.ok(run.peak >= 3, `the job scaled the fleet out (peak ${run.peak})`);
  assert.ok(run.firstScaleOutMinute >= 5, `first scale-out at minute ${run.firstScaleOutMinute}`);
  // Still at the peak 15 min after the load (the AlarmLow needs 15 zero minutes + the delay) ...
  assert.ok(run.capacityAfter[15] > 1, `capacity 15 min after: ${run.capacityAfter[15]}`);
  assert.equal(run.alarmsBefore[1].StateValue, "OK");
  // ... and back to MinCapacity within 45 min: one scale-in, to 1, at L + 17 min.
  const back = run.capacityAfter.indexOf(1);
  assert.ok(back >= 15 && back <= 45, `back to MinCapacity ${back} min after the load`);
  assert.ok(run.capacityAfter.slice(back).every((c) => c === 1), "and it stays there");
  const scaleIns = run.activities.filter((a) =>
    a.NotScaledReasons === undefined && a.StartTime!.getTime() >= run.loadEnd
  );
  assert.equal(scaleIns.length, 1);
  const [scaleIn] = scaleIns;
  const [high, low] = run.alarms;
  assert.equal(scaleIn.Description, "Setting desired instance count to 1.");
  assert.equal(
    scaleIn.Cause,
    `monitor alarm ${low.AlarmName} in state ALARM triggered policy track`,
  );
  assert.equal(scaleIn.StatusCode, "Successful");
  assert.equal((scaleIn.StartTime!.getTime() - run.loadEnd) / MINUTE, 17);
  assert.equal(scaleIn.EndTime!.getTime() - scaleIn.StartTime!.getTime(), 120_000); // the drain
  assert.match(
    scaleIn.StatusMessage!,
    /^Successfully set desired instance count to 1\. Change successfully fulfilled by sagemaker\.$/,
  );
  // The alarms as DescribeAlarms shows them: idle minutes are 0, below both thresholds.
  assert.match(high.AlarmName!, /-AlarmHigh-/);
  assert.equal(high.StateValue, "OK");
  assert.match(low.AlarmName!, /-AlarmLow-/);
  assert.equal(low.StateValue, "ALARM");
  // At MinCapacity the AlarmLow keeps invoking the policy: "not scaled", AlreadyAtMinCapacity,
  // each ended when it started.
  const atMin = run.activities.filter((a) =>
    a.NotScaledReasons?.[0].Code === "AlreadyAtMinCapacity"
  );
  assert.ok(atMin.length > 0);
  for (const a of atMin) {
    assert.ok(a.StartTime!.getTime() > scaleIn.StartTime!.getTime());
    assert.equal(a.EndTime?.getTime(), a.StartTime!.getTime());
  }
  console.log(
    `scale-in test: first scale-out at minute ${run.firstScaleOutMinute} of the load, peak ${run.peak} ` +
      `instances, scale-in ${
        (scaleIn.StartTime!.getTime() - run.loadEnd) / MINUTE
      } min after the load stopped, ` +
      `MinCapacity reached ${back} min after`,
  );
});

Deno.test("with the older reading (no metrics when idle) the alarms lack data and nothing scales in", async () => {
  const run = await runJob({ idleInvocationMetrics: "none" });
  assert.ok(run.peak >= 3);
  // The last loaded minutes still arrive (2 min of delay) and may scale out once more; from
  // 5 min after the load the fleet no longer changes.
  const sampled = run.capacityAfter.slice(5);
  assert.ok(sampled.every((c) => c === sampled[0] && c > 1), `capacity after: ${sampled}`);
  const [high, low] = run.alarms;
  assert.equal(high.StateValue, "INSUFFICIENT_DATA");
  assert.equal(low.StateValue, "INSUFFICIENT_DATA");
  assert.equal(
    run.activities.filter((a) => a.StartTime!.getTime() >= run.loadEnd + 5 * MINUTE).length,
    0,
  );
});
