/**
 * The local GetScalingConfigurationRecommendation through the real SDK command: the response
 * shape and values from a completed Default job (the documented method), the objective and CPU
 * target, and validation errors by AWS error name.
 */
import { GetScalingConfigurationRecommendationCommand } from "@aws-sdk/client-sagemaker";
import assert from "node:assert/strict";
import { putJob } from "./job.ts";
import {
  completedDefaultJob,
  type RecommenderFixture,
  withRecommender,
} from "../testdata/recommender_fixture.ts";

function completedJob(
  f: RecommenderFixture,
  name = "rec",
  jobType: "Default" | "Advanced" = "Default",
) {
  if (jobType === "Default") return completedDefaultJob(f, { name, instanceType: "ml.c5.xlarge" });
  const now = f.ctx.store.now();
  putJob(f.ctx, {
    JobName: name,
    JobArn: `arn:aws:sagemaker:us-east-1:000000000000:inference-recommendations-job/${name}`,
    JobType: "Advanced",
    RoleArn: "arn:aws:iam::000000000000:role/r",
    Status: "COMPLETED",
    CreationTime: now,
    LastModifiedTime: now,
    InputConfig: {},
    steps: [],
  });
}

Deno.test("GetScalingConfigurationRecommendation derives min/max and targets from the job's MaxInvocations", async () => {
  await withRecommender(async (f) => {
    completedJob(f);
    const plain = await f.sm.send(
      new GetScalingConfigurationRecommendationCommand({ InferenceRecommendationsJobName: "rec" }),
    );
    // Default 50 %: 3000 x 0.5 = 1500 per instance; no objective: peak = one instance's 3000 → 2.
    assert.equal(plain.TargetCpuUtilizationPerCore, 50);
    assert.equal(plain.RecommendationId, "rec/1");
    assert.equal(plain.EndpointName, "ir-rec");
    assert.deepEqual(plain.Metric, { InvocationsPerInstance: 1500, ModelLatency: 12 });
    assert.deepEqual(plain.DynamicScalingConfiguration, {
      MinCapacity: 1,
      MaxCapacity: 2,
      ScaleInCooldown: 300,
      ScaleOutCooldown: 300,
      ScalingPolicies: [
        {
          TargetTracking: {
            MetricSpecification: {
              Predefined: { PredefinedMetricType: "SageMakerVariantInvocationsPerInstance" },
            },
            TargetValue: 1500,
          },
        },
        {
          TargetTracking: {
            MetricSpecification: {
              Customized: {
                MetricName: "CPUUtilization",
                Namespace: "/aws/sagemaker/Endpoints",
                Statistic: "Average",
              },
            },
            // 50 % per core on the 4-vCPU ml.c5.xlarge.
            TargetValue: 200,
          },
        },
      ],
    });
    const objective = { MinInvocationsPerMinute: 2500, MaxInvocationsPerMinute: 20000 };
    const shaped = await f.sm.send(
      new GetScalingConfigurationRecommendationCommand({
        InferenceRecommendationsJobName: "rec",
        EndpointName: "ir-rec",
        TargetCpuUtilizationPerCore: 40,
        ScalingPolicyObjective: objective,
      }),
    );
    // 40 %: 1200 per instance; ceil(2500/1200) = 3, ceil(20000/1200) = 17.
    assert.equal(shaped.Metric?.InvocationsPerInstance, 1200);
    assert.equal(shaped.DynamicScalingConfiguration?.MinCapacity, 3);
    assert.equal(shaped.DynamicScalingConfiguration?.MaxCapacity, 17);
    assert.deepEqual(shaped.ScalingPolicyObjective, objective);
    assert.equal(
      shaped.DynamicScalingConfiguration?.ScalingPolicies?.[1].TargetTracking?.TargetValue,
      160,
    );
  });
});

Deno.test("GetScalingConfigurationRecommendation rejects bad requests as AWS names them", async () => {
  await withRecommender(async (f) => {
    completedJob(f);
    completedJob(f, "adv", "Advanced");
    const cases: [string, Record<string, unknown>, string, RegExp][] = [
      [
        "no job name",
        {},
        "ValidationException",
        /'inferenceRecommendationsJobName'.*must not be null/,
      ],
      [
        "bad job name",
        { InferenceRecommendationsJobName: "bad_name" },
        "ValidationException",
        /regular expression/,
      ],
      [
        "cpu over 100",
        { InferenceRecommendationsJobName: "rec", TargetCpuUtilizationPerCore: 101 },
        "ValidationException",
        /targetCpuUtilizationPerCore.*less than or equal to 100/,
      ],
      [
        "both ids",
        {
          InferenceRecommendationsJobName: "rec",
          RecommendationId: "rec/1",
          EndpointName: "ir-rec",
        },
        "ValidationException",
        /either RecommendationId or EndpointName/,
      ],
      [
        "min above max",
        {
          InferenceRecommendationsJobName: "rec",
          ScalingPolicyObjective: { MinInvocationsPerMinute: 10, MaxInvocationsPerMinute: 5 },
        },
        "ValidationException",
        /MinInvocationsPerMinute \(10\)/,
      ],
      [
        "unknown endpoint",
        { InferenceRecommendationsJobName: "rec", EndpointName: "other" },
        "ValidationException",
        /no recommendation with EndpointName "other"/,
      ],
      [
        "unknown job",
        { InferenceRecommendationsJobName: "nope" },
        "ResourceNotFound",
        /does not exist/,
      ],
      [
        "advanced job",
        { InferenceRecommendationsJobName: "adv" },
        "ValidationException",
        /COMPLETED Default job/,
      ],
    ];
    for (const [what, input, name, message] of cases) {
      await assert.rejects(
        f.sm.send(new GetScalingConfigurationRecommendationCommand(input as never)),
        (error: Error) => {
          assert.equal(error.name, name, `${what}: ${error.name}: ${error.message}`);
          assert.match(error.message, message, what);
          return true;
        },
      );
    }
  });
});
