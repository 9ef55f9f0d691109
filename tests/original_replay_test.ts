// Proves issue 13.4: the original's own evaluation (its exact Advanced request and policies) on
// the local backend with the built-in `original` profile behaves as the published AWS run did:
// it runs 15–30 simulated minutes, peaks at 30,000–45,000 invocations a minute and reaches 6–8
// instances in service while the job runs. The given profile wins over one measured on this
// machine, for the job and for the endpoint; after the job the idle endpoint is back to
// MinCapacity within 15-45 minutes.
import {
  DescribeScalingActivitiesCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from "@aws-sdk/client-application-auto-scaling";
import { GetMetricStatisticsCommand } from "@aws-sdk/client-cloudwatch";
import {
  CreateInferenceRecommendationsJobCommand,
  DescribeInferenceRecommendationsJobCommand,
} from "@aws-sdk/client-sagemaker";
import assert from "node:assert/strict";
import { openLocalCloud } from "../cloud/local/mod.ts";
import { createProfiledEndpoint } from "../cloud/local/testdata/profiled_endpoint.ts";
import { describeEndpointRecord } from "../cloud/local/sagemaker/mod.ts";
import { ORIGINAL_PROFILE } from "../sim/profiles/original.ts";
import { TARGET } from "../cloud/local/testdata/scaling_harness.ts";

const SLOW_MACHINE = {
  ...ORIGINAL_PROFILE,
  measuredOn: "a slow machine",
  levels: ORIGINAL_PROFILE.levels.map((l) => ({ ...l, throughput: l.throughput / 10 })),
};

/** The replayed run: what the published one reports, per minute. */
export interface Replay {
  /** Minutes from the job's creation to its completion. */
  durationMinutes: number;
  /** Invocations per minute of the load, in order. */
  invocations: number[];
  /** Instances in service at each minute's end. */
  inService: number[];
  /** Minute (from the load's start) of the first scale-out activity. */
  firstScaleOutMinute: number | undefined;
  /** Minutes after the job ended until one instance is in service again (within 60), if it was. */
  backToMinCapacityMinutes: number | undefined;
  status: string;
  stopReason: string;
}

/** Runs the original's evaluation on a fresh local backend in `dir` (MaxCapacity 8 as published). */
export async function replayOriginal(
  dir: string,
  options: { maxCapacity?: number } = {},
): Promise<Replay> {
  const { maxCapacity = 8 } = options;
  const cloud = openLocalCloud({ localDir: dir, local: { profile: ORIGINAL_PROFILE } });
  try {
    // The endpoint's measured profile (as a Default job on this machine would store it) is a
    // much slower one: the profile given for ml.c5.large must win, for the job and the endpoint.
    await createProfiledEndpoint(cloud, { profile: SLOW_MACHINE, bucket: "original-replay" });
    // The original's policies (endpoint_scaling.py): min 1, max 8; target tracking on
    // InvocationsPerInstance at 4,987 and on CPUUtilization at 100; cooldowns out 10 s, in 100 s.
    await cloud.autoscaling.send(
      new RegisterScalableTargetCommand({ ...TARGET, MinCapacity: 1, MaxCapacity: maxCapacity }),
    );
    await cloud.autoscaling.send(
      new PutScalingPolicyCommand({
        ...TARGET,
        PolicyName: "Invocations-ScalingPolicy",
        PolicyType: "TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: 4987,
          PredefinedMetricSpecification: {
            PredefinedMetricType: "SageMakerVariantInvocationsPerInstance",
          },
          ScaleInCooldown: 100,
          ScaleOutCooldown: 10,
        },
      }),
    );
    await cloud.autoscaling.send(
      new PutScalingPolicyCommand({
        ...TARGET,
        PolicyName: "CPUUtil-ScalingPolicy",
        PolicyType: "TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: 100,
          CustomizedMetricSpecification: {
            MetricName: "CPUUtilization",
            Namespace: "/aws/sagemaker/Endpoints",
            Dimensions: [
              { Name: "EndpointName", Value: "ep" },
              { Name: "VariantName", Value: "AllTraffic" },
            ],
            Statistic: "Average",
            Unit: "Percent",
          },
          ScaleInCooldown: 100,
          ScaleOutCooldown: 10,
        },
      }),
    );
    // trigger_inference_recommender_evaluation_job (inference_recommender.py): 1 initial user,
    // SpawnRate 2, one 3,600 s phase, JobDuration 7,200 s, MaxInvocations 30,000 (max_tps x 60),
    // P95 10,000 ms, FlatInvocations not set (AWS's default: Stop).
    const created = cloud.clock.now().getTime();
    await cloud.sagemaker.send(
      new CreateInferenceRecommendationsJobCommand({
        JobName: "original-evaluation",
        JobType: "Advanced",
        RoleArn: cloud.defaultRoleArn,
        InputConfig: {
          ModelName: "xgb",
          JobDurationInSeconds: 7200,
          TrafficPattern: {
            TrafficType: "PHASES",
            Phases: [{ InitialNumberOfUsers: 1, SpawnRate: 2, DurationInSeconds: 3600 }],
          },
          ResourceLimit: { MaxNumberOfTests: 2, MaxParallelOfTests: 2 },
          EndpointConfigurations: [{ InstanceType: "ml.c5.large" }],
          Endpoints: [{ EndpointName: "ep" }],
        },
        StoppingConditions: {
          MaxInvocations: 30000,
          ModelLatencyThresholds: [{ Percentile: "P95", ValueInMilliseconds: 10000 }],
        },
      }),
    );
    const inService: number[] = [];
    const inServiceNow = () => {
      const variant = describeEndpointRecord(cloud.context, "ep").ProductionVariants[0];
      const now = cloud.clock.now().getTime();
      return variant.instances.filter((i) =>
        i.inServiceAt <= now && (i.terminatedAt === undefined || i.terminatedAt > now)
      ).length;
    };
    let job;
    for (let minute = 0; minute < 120; minute++) {
      await cloud.clock.sleep(60_000);
      inService.push(inServiceNow());
      job = await cloud.sagemaker.send(
        new DescribeInferenceRecommendationsJobCommand({ JobName: "original-evaluation" }),
      );
      if (["COMPLETED", "FAILED", "STOPPED"].includes(job.Status!)) break;
    }
    const ended = cloud.clock.now().getTime();
    // After the job: the idle endpoint's zero-valued metrics scale it in (endpoint clock).
    let backToMinCapacityMinutes: number | undefined;
    for (let minute = 1; minute <= 60 && backToMinCapacityMinutes === undefined; minute++) {
      await cloud.clock.sleep(60_000);
      if (inServiceNow() === 1) backToMinCapacityMinutes = minute;
    }
    const stats = await cloud.cloudwatch.send(
      new GetMetricStatisticsCommand({
        Namespace: "AWS/SageMaker",
        MetricName: "Invocations",
        Dimensions: [{ Name: "EndpointName", Value: "ep" }, {
          Name: "VariantName",
          Value: "AllTraffic",
        }],
        StartTime: new Date(created),
        EndTime: new Date(ended),
        Period: 60,
        Statistics: ["Sum"],
      }),
    );
    const invocations = (stats.Datapoints ?? [])
      .filter((d) => d.Sum! > 0)
      .sort((a, b) => a.Timestamp!.getTime() - b.Timestamp!.getTime())
      .map((d) => d.Sum!);
    const { ScalingActivities = [] } = await cloud.autoscaling.send(
      new DescribeScalingActivitiesCommand({
        ServiceNamespace: "sagemaker",
        ResourceId: TARGET.ResourceId,
      }),
    );
    const outs = ScalingActivities.filter((a) =>
      a.StatusCode !== "Failed" &&
      Number(/Setting desired instance count to (\d+)/.exec(a.Description ?? "")?.[1] ?? 0) > 1
    ).map((a) => a.StartTime!.getTime()).sort((a, b) => a - b);
    // The load starts with the first minute that has invocations (the endpoint publishes idle
    // zero minutes before it).
    const firstInvocation = (stats.Datapoints ?? []).filter((d) => d.Sum! > 0).reduce(
      (m, d) => Math.min(m, d.Timestamp!.getTime()),
      Infinity,
    );
    return {
      durationMinutes: (job!.CompletionTime!.getTime() - created) / 60_000,
      invocations,
      inService,
      firstScaleOutMinute: outs.length === 0 ? undefined : (outs[0] - firstInvocation) / 60_000,
      backToMinCapacityMinutes,
      status: job!.Status!,
      stopReason: JSON.stringify((job as { StopReason?: unknown }).StopReason),
    };
  } finally {
    await cloud.close();
  }
}

Deno.test("the original's evaluation replays as on AWS: 15–30 min, peak 30,000–45,000, 6–8 instances", async () => {
  const dir = await Deno.makeTempDir({ prefix: "original-replay-" });
  try {
    const r = await replayOriginal(dir);
    console.log(JSON.stringify(r));
    assert.equal(r.status, "COMPLETED");
    assert.ok(r.durationMinutes >= 15 && r.durationMinutes <= 30, `${r.durationMinutes} min`);
    const peak = Math.max(...r.invocations);
    assert.ok(peak >= 30_000 && peak <= 45_000, `peak ${peak}`);
    const fleet = Math.max(...r.inService);
    assert.ok(fleet >= 6 && fleet <= 8, `${fleet} instances in service`);
    // FlatInvocations is unset (Stop), yet the flat minutes at one saturated instance before the
    // first scale-out do not end the test: the endpoint can still scale (advanced_minute.ts).
    assert.match(r.stopReason, /"Code":"MaxInvocations"/);
    assert.ok(r.firstScaleOutMinute !== undefined && r.firstScaleOutMinute >= 3);
    // Then the idle endpoint scales in to MinCapacity, as AWS's rules say (15-45 min).
    assert.ok(
      r.backToMinCapacityMinutes !== undefined && r.backToMinCapacityMinutes >= 15 &&
        r.backToMinCapacityMinutes <= 45,
      `back to 1 instance after ${r.backToMinCapacityMinutes} min`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the same evaluation on an endpoint that cannot scale (MaxCapacity 1) stops on FlatInvocations", async () => {
  const dir = await Deno.makeTempDir({ prefix: "original-flat-" });
  try {
    const r = await replayOriginal(dir, { maxCapacity: 1 });
    assert.equal(r.status, "COMPLETED");
    assert.match(r.stopReason, /"Code":"FlatInvocations"/);
    assert.ok(Math.max(...r.invocations) <= 9068);
    assert.ok(r.durationMinutes < 30, `${r.durationMinutes} min`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
