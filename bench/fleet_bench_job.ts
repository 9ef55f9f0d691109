/**
 * Part (b) of the fleet benchmark: one simulated hour of the whole local Advanced job through
 * the public commands of `openLocalCloud` — endpoint, target-tracking policy (and its alarms),
 * job, metric writes, alarm evaluations, scaling activities — timed around the one
 * `clock.sleep` that runs it.
 *
 * @module
 */
import {
  DescribeScalingActivitiesCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from "@aws-sdk/client-application-auto-scaling";
import {
  CreateInferenceRecommendationsJobCommand,
  DescribeInferenceRecommendationsJobCommand,
} from "@aws-sdk/client-sagemaker";
import { openLocalCloud } from "../cloud/local/mod.ts";
import type { CapacityProfile } from "../sim/profile.ts";
import { createProfiledEndpoint } from "../cloud/local/testdata/profiled_endpoint.ts";
import { type EndpointRecord, instancesLaunched, KIND } from "../cloud/local/sagemaker/records.ts";
import type { TrafficPattern } from "../load/traffic_pattern.ts";

/** What {@linkcode runAdvancedJobHour} sets up. */
export interface JobHourOptions {
  /** The job's traffic pattern. */
  pattern: TrafficPattern;
  /** Target InvocationsPerInstance per minute. */
  target: number;
  /** MinCapacity. */
  min: number;
  /** MaxCapacity. */
  max: number;
  /** ScaleOutCooldown and ScaleInCooldown, seconds. */
  cooldownSeconds: number;
}

/** Time and outcome of one run. */
export interface JobHourResult {
  /** Milliseconds the hour's `clock.sleep` took. */
  ms: number;
  /** What ran, for the report line. */
  summary: string;
}

/**
 * Sets up an endpoint with the profile and target tracking in a fresh local backend, starts an
 * Advanced job on it, and times the simulated hour.
 */
export async function runAdvancedJobHour(
  profile: CapacityProfile,
  options: JobHourOptions,
): Promise<JobHourResult> {
  const dir = await Deno.makeTempDir({ prefix: "fleet-bench-" });
  const cloud = openLocalCloud({ localDir: dir });
  try {
    const ctx = cloud.context;
    await createProfiledEndpoint(cloud, { profile, bucket: "bench-models" });
    const autoscaling = cloud.autoscaling;
    await autoscaling.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: "sagemaker",
        ResourceId: "endpoint/ep/variant/AllTraffic",
        ScalableDimension: "sagemaker:variant:DesiredInstanceCount",
        MinCapacity: options.min,
        MaxCapacity: options.max,
      }),
    );
    await autoscaling.send(
      new PutScalingPolicyCommand({
        PolicyName: "ipi",
        ServiceNamespace: "sagemaker",
        ResourceId: "endpoint/ep/variant/AllTraffic",
        ScalableDimension: "sagemaker:variant:DesiredInstanceCount",
        PolicyType: "TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: options.target,
          PredefinedMetricSpecification: {
            PredefinedMetricType: "SageMakerVariantInvocationsPerInstance",
          },
          ScaleOutCooldown: options.cooldownSeconds,
          ScaleInCooldown: options.cooldownSeconds,
        },
      }),
    );

    await cloud.sagemaker.send(
      new CreateInferenceRecommendationsJobCommand({
        JobName: "bench",
        JobType: "Advanced",
        RoleArn: cloud.defaultRoleArn,
        InputConfig: {
          ModelName: "xgb",
          Endpoints: [{ EndpointName: "ep" }],
          TrafficPattern: options.pattern,
        },
        StoppingConditions: { FlatInvocations: "Continue" },
      }),
    );
    const start = performance.now();
    await cloud.clock.sleep(62 * 60_000); // the hour, plus the wait for the next whole minute
    const ms = performance.now() - start;

    const job = await cloud.sagemaker.send(
      new DescribeInferenceRecommendationsJobCommand({ JobName: "bench" }),
    );
    if (job.Status !== "COMPLETED") {
      throw new Error(
        `bench:fleet: the Advanced job ended ${job.Status}: ${job.FailureReason ?? ""}`,
      );
    }
    const after = ctx.store.getDoc<EndpointRecord>(KIND.endpoint, "ep")!;
    const instances = instancesLaunched(after.ProductionVariants[0], ctx.store.now());
    const peak = job.EndpointPerformances?.[0].Metrics?.MaxInvocations;
    const activities = await autoscaling.send(
      new DescribeScalingActivitiesCommand({ ServiceNamespace: "sagemaker" }),
    );
    return {
      ms,
      summary: `whole local Advanced job with target tracking, 1 simulated hour ` +
        `(peak ${peak} invocations/min, ${instances} instances at the end, ` +
        `${activities.ScalingActivities?.length ?? 0} scaling activities)`,
    };
  } finally {
    await cloud.close();
    await Deno.remove(dir, { recursive: true });
  }
}
