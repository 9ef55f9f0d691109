// Proves the sweep and the local backend are the same model (issue 14.3): one candidate's
// per-minute capacity from the sweep's fast core equals what a local Advanced job does on an
// endpoint with the same profile, the same target-tracking policy and the same ramp, driven only
// through the public commands (RegisterScalableTarget, PutScalingPolicy,
// CreateInferenceRecommendationsJob, the simulated clock). The sweep runs with the local
// backend's own delay settings, read from its context, so it follows them if they change.
import {
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from "@aws-sdk/client-application-auto-scaling";
import { CreateInferenceRecommendationsJobCommand } from "@aws-sdk/client-sagemaker";
import assert from "node:assert/strict";
import { withLocalCloud } from "../cloud/local/testdata/local_cloud.ts";
import { createProfiledEndpoint } from "../cloud/local/testdata/profiled_endpoint.ts";
import { type EndpointRecord, instancesLaunched, KIND } from "../cloud/local/sagemaker/records.ts";
import { profileCurve } from "../sim/fleet/mod.ts";
import type { CapacityProfile } from "../sim/profile.ts";
import { rampPattern } from "../sim/sweep/patterns.ts";
import { patternTables } from "../sim/sweep/sweep.ts";
import { runCandidate } from "../sim/sweep/run.ts";
import type { SweepCandidate } from "../sim/sweep/candidate.ts";

const profile: CapacityProfile = JSON.parse(
  await Deno.readTextFile(new URL("./fixtures/capacity_profile.json", import.meta.url)),
);
const TARGET = {
  ServiceNamespace: "sagemaker" as const,
  ResourceId: "endpoint/ep/variant/AllTraffic",
  ScalableDimension: "sagemaker:variant:DesiredInstanceCount" as const,
};

Deno.test("sweep vs local Advanced job: the same per-minute capacity on a ramp with target tracking", async () => {
  const candidate: SweepCandidate = {
    label: "tt invocations 1500",
    instanceType: "ml.c5.large",
    minCapacity: 1,
    maxCapacity: 10,
    targetTracking: [{
      metric: "invocations",
      target: 1500,
      scaleOutCooldown: 300,
      scaleInCooldown: 300,
    }],
  };
  const SPAWN = 3;
  const MINUTES = 30;
  const AFTER = 30; // minutes watched after the ramp: the scale-in
  await withLocalCloud(async (cloud) => {
    await createProfiledEndpoint(cloud, { profile, bucket: "models" });
    await cloud.autoscaling.send(
      new RegisterScalableTargetCommand({ ...TARGET, MinCapacity: 1, MaxCapacity: 10 }),
    );
    await cloud.autoscaling.send(
      new PutScalingPolicyCommand({
        ...TARGET,
        PolicyName: "ipi",
        PolicyType: "TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: 1500,
          PredefinedMetricSpecification: {
            PredefinedMetricType: "SageMakerVariantInvocationsPerInstance",
          },
          ScaleOutCooldown: 300,
          ScaleInCooldown: 300,
        },
      }),
    );
    await cloud.sagemaker.send(
      new CreateInferenceRecommendationsJobCommand({
        JobName: "eval",
        JobType: "Advanced",
        RoleArn: cloud.defaultRoleArn,
        InputConfig: {
          ModelName: "xgb",
          Endpoints: [{ EndpointName: "ep" }],
          TrafficPattern: {
            TrafficType: "PHASES",
            Phases: [{
              InitialNumberOfUsers: 1,
              SpawnRate: SPAWN,
              DurationInSeconds: MINUTES * 60,
            }],
          },
        },
        StoppingConditions: { FlatInvocations: "Continue" },
      }),
    );
    // The load starts at the first whole minute after the job is created.
    const loadStart = Math.ceil(cloud.clock.now().getTime() / 60_000) * 60_000;
    await cloud.clock.sleep(loadStart + (MINUTES + AFTER) * 60_000 - cloud.clock.now().getTime());
    const variant = cloud.context.store.getDoc<EndpointRecord>(KIND.endpoint, "ep")!
      .ProductionVariants[0];
    const local = Array.from(
      { length: MINUTES + AFTER },
      (_, m) => instancesLaunched(variant, loadStart + (m + 1) * 60_000),
    );

    const settings = cloud.context.settings;
    const pattern = rampPattern(profileCurve(profile), {
      spawnRate: SPAWN,
      minutes: MINUTES,
      start: loadStart,
    });
    // The sweep's run goes on after the pattern with no load, as the endpoint does.
    const run = runCandidate(
      patternTables(profile, { pattern, sloMs: 1000 }),
      candidate,
      {
        vCpus: profile.vCpus,
        pricePerHour: 0.102,
        instanceStartSeconds: settings.instanceStartSeconds,
        metricDelaySeconds: settings.metricDelaySeconds,
        // A setting of newer local backends; absent here (removal is immediate).
        instanceDrainSeconds: (settings as { instanceDrainSeconds?: number }).instanceDrainSeconds,
        tailMinutes: AFTER,
        timeline: true,
      },
    );
    const swept = run.minutes!.map((m) => m.capacity);
    // The sweep stops once the capacity is back at its minimum; it stays there.
    while (swept.length < local.length) swept.push(candidate.minCapacity);
    assert.ok(Math.max(...local) >= 3, `the case must scale out: ${local}`);
    const drainSetting = "instanceDrainSeconds" in settings;
    if (drainSetting) {
      // A backend that simulates every endpoint on the clock publishes idle minutes after the
      // job, so its alarms scale the endpoint back in: the whole window compares.
      assert.ok(local.at(-1)! < Math.max(...local), `it scales back in: ${local}`);
      assert.deepEqual(swept, local);
    } else {
      // Main's backend simulates an endpoint only while a job sends it traffic: its alarms get
      // no data afterwards and it never scales in, so only the job's minutes compare.
      assert.deepEqual(swept.slice(0, MINUTES), local.slice(0, MINUTES));
    }
  });
});
