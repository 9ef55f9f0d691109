// Golden test: target tracking on the high-resolution metric
// (`SageMakerVariantConcurrentRequestsPerModelHighResolution`) scales out sooner than on
// `SageMakerVariantInvocationsPerInstance`, on the same Advanced-job ramp and the same
// per-instance load, derived by hand from ../shared/spec/autoscaling.md and driven only through
// the public commands of the local backend (`openLocalCloud`).
//
// Set-up (each run in a fresh store): one ml.c5.large instance with the fixture capacity profile
// (tests/fixtures/capacity_profile.json: X(c) = 20·c requests/s up to c = 2, 40 + 5·(c − 2) up
// to c = 4, then 50), scalable target 1–4, one target-tracking policy, and an Advanced job with
// TrafficPattern PHASES {InitialNumberOfUsers 1, SpawnRate 1/min} on the endpoint
// (FlatInvocations: Continue, so the saturated minutes do not end the job). t = 0 is the job's
// InvocationStartTime (a whole minute). Users are added one per minute (simulation-model.md §4):
// U = 1 + k during minute k, so on one instance the concurrency is c = 1 + k, constant within
// every 10 s period.
//
// Same per-instance load: concurrency 2 on an instance is X(2) = 40 requests/s = 2400
// invocations per minute, so the targets are 2 (ConcurrentRequestsPerModel, Average) and 2400
// (InvocationsPerInstance, Sum). Both metrics first exceed their target in minute 2 (c = 3,
// 45 requests/s = 2700 per minute), from t = 120 s.
//
// High resolution (spec §1.1, §5, §9.2, §9.6): AlarmHigh is 10 s, 3 of 3 > 2, evaluated every
// 10 s; the datapoint of [p, p + 10 s) is visible at p + 10 s + 10 s delay. The evaluation at
// e sees the periods up to e − 20 s, so the first with three breaching periods (120, 130, 140 s)
// is e = 140 + 20 = 160 s. The alarm goes to ALARM at 160 s and invokes the policy at once:
// desired = ceil(1 × 3 / 2) = 2 (newest datapoint c = 3, spec §1.2). The activity runs until
// the new instance is InService, 240 s later (instanceStartSeconds, spec §6): 160 → 400 s.
//
// Standard (spec §1.1, §5, §9.1, §9.6): AlarmHigh is 60 s, 3 of 3 > 2400, evaluated every
// minute; minute m is visible at 60·(m + 1) + 120 s (metricDelaySeconds, the observed 2-minute
// CloudWatch delay of standard metrics, spec §5). Minutes 2, 3, 4 carry 2700, 3000, 3000
// (c = 3, 4, 5), so the first evaluation with three breaching minutes is 60·5 + 120 = 420 s (at
// 300 s and 360 s only one and two of the three breach: OK). desired = ceil(1 × 3000 / 2400) =
// ceil(1.25) = 2. The activity runs 420 → 660 s.
//
// So from the first breaching period (120 s) the high-resolution policy needs 3 × 10 + 10 = 40 s
// and the standard one 3 × 60 + 120 = 300 s: its first scale-out starts 260 s earlier.
import {
  DescribeScalingActivitiesCommand,
  type ScalingActivity,
} from "@aws-sdk/client-application-auto-scaling";
import { DescribeAlarmsCommand, type MetricAlarm } from "@aws-sdk/client-cloudwatch";
import {
  DescribeEndpointCommand,
  DescribeInferenceRecommendationsJobCommand,
} from "@aws-sdk/client-sagemaker";
import assert from "node:assert/strict";
import { openTrackedRamp } from "./testdata/tracked_ramp.ts";

type Metric =
  | "SageMakerVariantConcurrentRequestsPerModelHighResolution"
  | "SageMakerVariantInvocationsPerInstance";

/** What one run observed, times in seconds after the load's start. */
interface RampRun {
  /** AlarmHigh as DescribeAlarms shows it just before it should go to ALARM. */
  before: MetricAlarm;
  /** AlarmHigh as DescribeAlarms shows it at the instant it should go to ALARM. */
  atAlarm: MetricAlarm;
  /** Scaling activities (newest first) at that instant and at the end of the run. */
  activitiesAtAlarm: ScalingActivity[];
  activitiesAtEnd: ScalingActivity[];
  /** The load's start, epoch ms. */
  loadStart: number;
  /** Instances of the variant once the first scale-out has completed. */
  instancesAfter: number | undefined;
}

/**
 * One run in a fresh store: endpoint with the fixture profile, target tracking on `metric` with
 * `targetValue`, the ramp; samples DescribeAlarms at `alarmAt - 10` and `alarmAt` seconds.
 */
async function runRamp(metric: Metric, targetValue: number, alarmAt: number): Promise<RampRun> {
  const { cloud, loadStart, close } = await openTrackedRamp({
    prefix: "highres-golden-",
    bucket: "golden-models",
    metric,
    targetValue,
    ramp: { jobName: "ramp", initialUsers: 1, spawnRate: 1, seconds: 900 },
  });
  try {
    assert.equal(loadStart % 60_000, 0, "the load starts at a whole minute");

    const sleepTo = (seconds: number) =>
      cloud.clock.sleep(loadStart + seconds * 1000 - cloud.clock.now().getTime());
    const alarmHigh = async () => {
      const { MetricAlarms } = await cloud.cloudwatch.send(
        new DescribeAlarmsCommand({ AlarmNamePrefix: "TargetTracking-endpoint/ep/" }),
      );
      return MetricAlarms!.find((a) => a.AlarmName!.includes("-AlarmHigh-"))!;
    };
    const activities = async () =>
      (await cloud.autoscaling.send(
        new DescribeScalingActivitiesCommand({ ServiceNamespace: "sagemaker" }),
      )).ScalingActivities!;

    await sleepTo(alarmAt - 10);
    const before = await alarmHigh();
    await sleepTo(alarmAt);
    const atAlarm = await alarmHigh();
    const activitiesAtAlarm = await activities();
    await sleepTo(alarmAt + 240);
    const endpoint = await cloud.sagemaker.send(
      new DescribeEndpointCommand({ EndpointName: "ep" }),
    );
    const instancesAfter = endpoint.ProductionVariants?.[0].CurrentInstanceCount;
    await sleepTo(960); // past the ramp's end
    const job = await cloud.sagemaker.send(
      new DescribeInferenceRecommendationsJobCommand({ JobName: "ramp" }),
    );
    assert.equal(job.Status, "COMPLETED");
    return {
      before,
      atAlarm,
      activitiesAtAlarm,
      activitiesAtEnd: await activities(),
      loadStart,
      instancesAfter,
    };
  } finally {
    await close();
  }
}

/** The first (oldest) scaling activity, its times in seconds after the load's start. */
function firstScaleOut(run: RampRun) {
  const a = run.activitiesAtEnd.at(-1)!;
  return {
    start: (a.StartTime!.getTime() - run.loadStart) / 1000,
    end: a.EndTime === undefined ? undefined : (a.EndTime.getTime() - run.loadStart) / 1000,
    status: a.StatusCode,
    description: a.Description,
    cause: a.Cause,
  };
}

Deno.test("golden: the high-resolution metric scales out 260 s sooner than InvocationsPerInstance on the same ramp", async () => {
  const highRes = await runRamp(
    "SageMakerVariantConcurrentRequestsPerModelHighResolution",
    2,
    160,
  );
  const standard = await runRamp("SageMakerVariantInvocationsPerInstance", 2400, 420);

  // The alarms target tracking created: 10 s 3 of 3 versus 60 s 3 of 3, at the same load.
  for (
    const [run, period, threshold, metricName, statistic] of [
      [highRes, 10, 2, "ConcurrentRequestsPerModel", "Average"],
      [standard, 60, 2400, "InvocationsPerInstance", "Sum"],
    ] as const
  ) {
    const alarm = run.atAlarm;
    assert.equal(alarm.MetricName, metricName);
    assert.equal(alarm.Statistic, statistic);
    assert.equal(alarm.Period, period);
    assert.equal(alarm.EvaluationPeriods, 3);
    assert.equal(alarm.DatapointsToAlarm, 3);
    assert.equal(alarm.Threshold, threshold);
    assert.equal(alarm.ComparisonOperator, "GreaterThanThreshold");
  }

  // One evaluation before: not yet (two breaching periods of three), nothing scaled.
  assert.notEqual(highRes.before.StateValue, "ALARM");
  assert.notEqual(standard.before.StateValue, "ALARM");

  // The alarms go to ALARM at 160 s and 420 s after the load's start.
  assert.equal(highRes.atAlarm.StateValue, "ALARM");
  assert.equal(highRes.atAlarm.StateUpdatedTimestamp!.getTime(), highRes.loadStart + 160_000);
  assert.deepEqual(JSON.parse(highRes.atAlarm.StateReasonData!).recentDatapoints, [
    2,
    2,
    3,
    3,
    3,
  ]);
  assert.equal(standard.atAlarm.StateValue, "ALARM");
  assert.equal(standard.atAlarm.StateUpdatedTimestamp!.getTime(), standard.loadStart + 420_000);
  assert.deepEqual(JSON.parse(standard.atAlarm.StateReasonData!).recentDatapoints, [
    1200,
    2400,
    2700,
    3000,
    3000,
  ]);

  // At that instant each policy has started its first scale-out, to 2 instances, and no other.
  for (const run of [highRes, standard]) {
    assert.equal(run.activitiesAtAlarm.length, 1);
    assert.equal(run.activitiesAtAlarm[0].StatusCode, "InProgress");
  }
  const h = firstScaleOut(highRes);
  const s = firstScaleOut(standard);
  assert.deepEqual(h, {
    start: 160,
    end: 400,
    status: "Successful",
    description: "Setting desired instance count to 2.",
    cause: `monitor alarm ${highRes.atAlarm.AlarmName} in state ALARM triggered policy track`,
  });
  assert.deepEqual(s, {
    start: 420,
    end: 660,
    status: "Successful",
    description: "Setting desired instance count to 2.",
    cause: `monitor alarm ${standard.atAlarm.AlarmName} in state ALARM triggered policy track`,
  });
  assert.equal(highRes.instancesAfter, 2);
  assert.equal(standard.instancesAfter, 2);

  // The high-resolution policy starts its first scale-out 260 s earlier; it reacts 40 s after
  // the first breaching period (30-60 s), the standard one 300 s (>= 5 min) after.
  assert.equal(s.start - h.start, 260);
  assert.equal(h.start - 120, 40);
  assert.equal(s.start - 120, 300);
});
