/**
 * The local `GetScalingConfigurationRecommendation`: an auto-scaling configuration derived from a
 * completed Default job's recommendation.
 *
 * Shapes (SageMaker API reference, `GetScalingConfigurationRecommendation`; the SDK's
 * `GetScalingConfigurationRecommendationRequest`/`Response`): the request names the job
 * (`InferenceRecommendationsJobName`, required, 1–64 characters, `[a-zA-Z0-9](-*[a-zA-Z0-9]){0,63}`)
 * and one of its recommendations, by `RecommendationId` or by the benchmarked `EndpointName`
 * (at most 63 characters, `[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`; "specify either this field or the
 * other"), with `TargetCpuUtilizationPerCore` ("the default value is 50%") and a
 * `ScalingPolicyObjective` (`MinInvocationsPerMinute`, `MaxInvocationsPerMinute`: the expected
 * traffic). The response echoes them and adds `Metric` (`InvocationsPerInstance`, `ModelLatency`)
 * and `DynamicScalingConfiguration` (`MinCapacity`, `MaxCapacity`, `ScaleInCooldown`,
 * `ScaleOutCooldown`, `ScalingPolicies` of `{ TargetTracking: { MetricSpecification:
 * { Predefined | Customized }, TargetValue } }`).
 *
 * AWS does not publish how it computes the values. The local method, from the recommendation's
 * measured `MaxInvocations` (requests per minute one instance sustained at saturation, M) and
 * `TargetCpuUtilizationPerCore` (u, percent, default 50):
 *
 * - `Metric.InvocationsPerInstance` = round(M × u / 100): the per-instance load at which an
 *   instance runs at u % of what it measured at saturation (CPU scales with load up to
 *   saturation on a CPU-bound model); `Metric.ModelLatency` is the recommendation's.
 * - `MinCapacity` = max(1, ceil(MinInvocationsPerMinute / InvocationsPerInstance)): enough
 *   instances at the target for the lowest expected traffic (1 without an objective).
 * - `MaxCapacity` = max(MinCapacity, ceil(MaxInvocationsPerMinute / InvocationsPerInstance)):
 *   enough at the target for the highest expected traffic; without an objective the expected
 *   peak is M, what one instance sustained (so 2 at the default 50 %).
 * - Two target-tracking policies: `SageMakerVariantInvocationsPerInstance` (Predefined) at
 *   `InvocationsPerInstance`, and `CPUUtilization` (Customized, `/aws/sagemaker/Endpoints`,
 *   Average) at u × vCPUs — SageMaker reports CPU summed over cores, so u % per core is u × vCPUs.
 * - Cooldowns 300 s in and out: Application Auto Scaling's default for SageMaker variants.
 *
 * Errors: the job unknown → `ResourceNotFound` (as Describe); not a COMPLETED Default job, both
 * or an unknown recommendation → `ValidationException`. When neither `RecommendationId` nor
 * `EndpointName` is given the job's first recommendation is used.
 *
 * @module
 */
import type {
  DynamicScalingConfiguration,
  GetScalingConfigurationRecommendationRequest,
  GetScalingConfigurationRecommendationResponse,
} from "@aws-sdk/client-sagemaker";
import { vCpusOf } from "../../instance_types.ts";
import type { LocalContext } from "../kernel/context.ts";
import { compact, InputChecks, NAME, validationError } from "../sagemaker/mod.ts";
import type { RecommendationJobRecord, StoredRecommendation } from "./job.ts";
import { findJob } from "./lease.ts";
import { JOB_NAME } from "./validate.ts";

/** `TargetCpuUtilizationPerCore` when the request has none (API reference: "default value is 50%"). */
export const DEFAULT_TARGET_CPU_PER_CORE = 50;
/** Application Auto Scaling's default cooldown for SageMaker variants, seconds. */
const COOLDOWN_SECONDS = 300;

/** The parts of a recommendation the method reads. */
export interface RecommendationBasis {
  /** Requests per minute one instance sustained at saturation. */
  maxInvocations: number;
  /** Model latency at that load, ms. */
  modelLatency?: number;
  instanceType: string;
}

/**
 * The scaling configuration for one recommendation (the method in the module doc).
 *
 * @example Usage
 * ```ts
 * import { scalingConfigurationFor } from "./scaling_recommendation.ts";
 * import assert from "node:assert/strict";
 * const r = scalingConfigurationFor({ maxInvocations: 3000, instanceType: "ml.c5.large" }, {
 *   targetCpuPerCore: 50, objective: { MinInvocationsPerMinute: 1000, MaxInvocationsPerMinute: 9000 } });
 * assert.equal(r.metric.InvocationsPerInstance, 1500);
 * assert.equal(r.dynamic.MinCapacity, 1);
 * assert.equal(r.dynamic.MaxCapacity, 6);
 * ```
 */
export function scalingConfigurationFor(
  basis: RecommendationBasis,
  options: {
    /** @default {50} */
    targetCpuPerCore?: number;
    objective?: { MinInvocationsPerMinute?: number; MaxInvocationsPerMinute?: number };
  } = {},
): {
  metric: { InvocationsPerInstance: number; ModelLatency?: number };
  dynamic: DynamicScalingConfiguration;
} {
  const u = options.targetCpuPerCore ?? DEFAULT_TARGET_CPU_PER_CORE;
  const perInstance = Math.max(1, Math.round(basis.maxInvocations * u / 100));
  const low = options.objective?.MinInvocationsPerMinute;
  const high = options.objective?.MaxInvocationsPerMinute ?? basis.maxInvocations;
  const minCapacity = Math.max(1, low === undefined ? 1 : Math.ceil(low / perInstance));
  const maxCapacity = Math.max(minCapacity, Math.ceil(high / perInstance));
  return {
    metric: compact({ InvocationsPerInstance: perInstance, ModelLatency: basis.modelLatency }),
    dynamic: {
      MinCapacity: minCapacity,
      MaxCapacity: maxCapacity,
      ScaleInCooldown: COOLDOWN_SECONDS,
      ScaleOutCooldown: COOLDOWN_SECONDS,
      ScalingPolicies: [
        {
          TargetTracking: {
            MetricSpecification: {
              Predefined: { PredefinedMetricType: "SageMakerVariantInvocationsPerInstance" },
            },
            TargetValue: perInstance,
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
            TargetValue: u * vCpusOf(basis.instanceType),
          },
        },
      ],
    },
  };
}

function validate(input: GetScalingConfigurationRecommendationRequest): void {
  const checks = new InputChecks();
  checks.string(input.InferenceRecommendationsJobName, "inferenceRecommendationsJobName", JOB_NAME);
  checks.string(input.RecommendationId, "recommendationId", {});
  checks.string(input.EndpointName, "endpointName", NAME);
  checks.number(input.TargetCpuUtilizationPerCore, "targetCpuUtilizationPerCore", {
    integer: true,
    min: 1,
    max: 100,
  });
  const objective = input.ScalingPolicyObjective;
  checks.number(
    objective?.MinInvocationsPerMinute,
    "scalingPolicyObjective.minInvocationsPerMinute",
    {
      integer: true,
      min: 0,
    },
  );
  checks.number(
    objective?.MaxInvocationsPerMinute,
    "scalingPolicyObjective.maxInvocationsPerMinute",
    {
      integer: true,
      min: 1,
    },
  );
  checks.done();
  if (input.RecommendationId !== undefined && input.EndpointName !== undefined) {
    throw validationError(
      "Specify either RecommendationId or EndpointName, not both",
    );
  }
  const low = objective?.MinInvocationsPerMinute;
  const high = objective?.MaxInvocationsPerMinute;
  if (low !== undefined && high !== undefined && low > high) {
    throw validationError(
      `MinInvocationsPerMinute (${low}) must not be greater than MaxInvocationsPerMinute (${high})`,
    );
  }
}

function pick(
  job: RecommendationJobRecord,
  input: GetScalingConfigurationRecommendationRequest,
): StoredRecommendation {
  const all = job.InferenceRecommendations ?? [];
  const found = input.RecommendationId !== undefined
    ? all.find((r) => r.RecommendationId === input.RecommendationId)
    : input.EndpointName !== undefined
    ? all.find((r) => r.EndpointConfiguration.EndpointName === input.EndpointName)
    : all[0];
  if (found === undefined) {
    const which = input.RecommendationId !== undefined
      ? `RecommendationId "${input.RecommendationId}"`
      : input.EndpointName !== undefined
      ? `EndpointName "${input.EndpointName}"`
      : "any recommendation";
    throw validationError(
      `Job "${job.JobName}" has no recommendation with ${which}: give one the job returned`,
    );
  }
  return found;
}

/**
 * The handler: validates, finds the job and recommendation, returns the response shape.
 *
 * @example Usage
 * ```ts ignore
 * getScalingConfigurationRecommendation({ InferenceRecommendationsJobName: "rec" }, ctx);
 * ```
 */
export function getScalingConfigurationRecommendation(
  input: GetScalingConfigurationRecommendationRequest,
  ctx: LocalContext,
): GetScalingConfigurationRecommendationResponse {
  validate(input);
  const job = findJob(ctx, input.InferenceRecommendationsJobName);
  if (job.JobType !== "Default" || job.Status !== "COMPLETED") {
    throw validationError(
      `Job "${job.JobName}" is a ${job.Status} ${job.JobType} job: scaling recommendations come from a COMPLETED Default job`,
    );
  }
  const recommendation = pick(job, input);
  const maxInvocations = recommendation.Metrics?.MaxInvocations;
  if (!(maxInvocations !== undefined && maxInvocations > 0)) {
    throw validationError(
      `Job "${job.JobName}" measured no MaxInvocations for this recommendation: nothing to scale on`,
    );
  }
  const targetCpuPerCore = input.TargetCpuUtilizationPerCore ?? DEFAULT_TARGET_CPU_PER_CORE;
  const { metric, dynamic } = scalingConfigurationFor({
    maxInvocations,
    modelLatency: recommendation.Metrics?.ModelLatency,
    instanceType: recommendation.EndpointConfiguration.InstanceType ?? "ml.c5.large",
  }, { targetCpuPerCore, objective: input.ScalingPolicyObjective });
  return compact({
    InferenceRecommendationsJobName: job.JobName,
    RecommendationId: recommendation.RecommendationId,
    EndpointName: recommendation.EndpointConfiguration.EndpointName,
    TargetCpuUtilizationPerCore: targetCpuPerCore,
    ScalingPolicyObjective: structuredClone(input.ScalingPolicyObjective),
    Metric: metric,
    DynamicScalingConfiguration: dynamic,
  });
}
