/**
 * Validation of CreateInferenceRecommendationsJob and the job-name checks of every job operation
 * (`../shared/spec/inference-recommender.md` §1, §8).
 *
 * @module
 */
import {
  InputChecks,
  NAME,
  REQUIRED_NAME,
  ROLE_ARN_PATTERN,
  type StringCheckOptions,
  validationError,
} from "../sagemaker/mod.ts";
import {
  type CreateInferenceRecommendationsJobRequest,
  ProductionVariantInstanceType,
  RecommendationJobStatus,
  type TrafficPattern as SdkTrafficPattern,
} from "@aws-sdk/client-sagemaker";

/** `JobName` pattern (API reference, CreateInferenceRecommendationsJob). */
export const JOB_NAME_PATTERN = "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,63}";
/** `ModelPackageVersionArn` pattern (API reference, RecommendationJobInputConfig). */
export const MODEL_PACKAGE_VERSION_ARN_PATTERN =
  "^arn:aws[a-z\\-]*:sagemaker:[a-z0-9\\-]{9,16}:[0-9]{12}:model-package/[\\S]{1,2048}$";
/** Longest `JobDurationInSeconds` (5 h, inference-recommender.md §1.2). */
export const MAX_JOB_DURATION_SECONDS = 18_000;

/** `JobName` of every job operation. */
export const JOB_NAME: StringCheckOptions = {
  required: true,
  min: 1,
  max: 64,
  pattern: JOB_NAME_PATTERN,
};
export const STATUSES = Object.values(RecommendationJobStatus);
const INSTANCE_TYPES = Object.values(ProductionVariantInstanceType);

// ---------------------------------------------------------------------------------------------
// Validation (inference-recommender.md §1, §8)

function checkTrafficPattern(
  checks: InputChecks,
  pattern: SdkTrafficPattern | undefined,
  advanced: boolean,
  jobDuration: number | undefined,
): void {
  const path = "inputConfig.trafficPattern";
  if (!checks.present(pattern, path, false) || pattern === undefined) return;
  const type = pattern.TrafficType ?? "PHASES";
  checks.enumValue(pattern.TrafficType, `${path}.trafficType`, ["PHASES", "STAIRS"]);
  // Custom load tests (Advanced jobs): phases of 120–3600 s, 1–3 users (API reference, Phase
  // and Stairs); the general limits otherwise.
  if (type === "PHASES") {
    if (!checks.list(pattern.Phases, `${path}.phases`, { required: true, min: 1 })) return;
    pattern.Phases.forEach((phase, i) => {
      const p = `${path}.phases.${i + 1}.member`;
      const ph = phase ?? {};
      checks.number(ph.InitialNumberOfUsers, `${p}.initialNumberOfUsers`, {
        required: true,
        integer: true,
        min: 1,
        max: advanced ? 3 : undefined,
      });
      checks.number(ph.SpawnRate, `${p}.spawnRate`, { integer: true, min: 0 });
      const durationOk = checks.number(ph.DurationInSeconds, `${p}.durationInSeconds`, {
        required: true,
        integer: true,
        min: advanced ? 120 : 1,
        max: advanced ? 3600 : undefined,
      });
      if (durationOk && jobDuration !== undefined && ph.DurationInSeconds! > jobDuration) {
        checks.add(
          ph.DurationInSeconds,
          `${p}.durationInSeconds`,
          `Member must not exceed JobDurationInSeconds (${jobDuration})`,
        );
      }
    });
  } else {
    const s = pattern.Stairs;
    if (!checks.present(s, `${path}.stairs`, true) || s === undefined) return;
    checks.number(s.DurationInSeconds, `${path}.stairs.durationInSeconds`, {
      required: true,
      integer: true,
      min: 1,
    });
    checks.number(s.NumberOfSteps, `${path}.stairs.numberOfSteps`, {
      required: true,
      integer: true,
      min: 1,
    });
    checks.number(s.UsersPerStep, `${path}.stairs.usersPerStep`, {
      required: true,
      integer: true,
      min: 1,
      max: 3,
    });
  }
}

export function validateCreate(input: CreateInferenceRecommendationsJobRequest): void {
  const checks = new InputChecks();
  checks.string(input.JobName, "jobName", JOB_NAME);
  checks.enumValue(input.JobType, "jobType", ["Default", "Advanced"], true);
  checks.string(input.RoleArn, "roleArn", {
    required: true,
    min: 20,
    max: 2048,
    pattern: ROLE_ARN_PATTERN,
  });
  checks.string(input.JobDescription, "jobDescription", { max: 128 });
  checks.tags(input.Tags);
  const advanced = input.JobType === "Advanced";
  const config = input.InputConfig;
  if (checks.present(config, "inputConfig", true) && config !== undefined) {
    checks.string(config.ModelPackageVersionArn, "inputConfig.modelPackageVersionArn", {
      min: 1,
      max: 2048,
      pattern: MODEL_PACKAGE_VERSION_ARN_PATTERN,
    });
    checks.string(config.ModelName, "inputConfig.modelName", NAME);
    const durationOk = checks.number(
      config.JobDurationInSeconds,
      "inputConfig.jobDurationInSeconds",
      {
        integer: true,
        min: 1,
        max: MAX_JOB_DURATION_SECONDS,
      },
    );
    checkTrafficPattern(
      checks,
      config.TrafficPattern,
      advanced,
      durationOk ? config.JobDurationInSeconds : undefined,
    );
    const limit = config.ResourceLimit;
    if (limit !== undefined) {
      checks.number(limit.MaxNumberOfTests, "inputConfig.resourceLimit.maxNumberOfTests", {
        integer: true,
        min: 1,
      });
      checks.number(limit.MaxParallelOfTests, "inputConfig.resourceLimit.maxParallelOfTests", {
        integer: true,
        min: 1,
      });
    }
    if (
      checks.list(config.EndpointConfigurations, "inputConfig.endpointConfigurations", {
        min: 1,
        max: 10,
      })
    ) {
      config.EndpointConfigurations.forEach((c, i) => {
        const p = `inputConfig.endpointConfigurations.${i + 1}.member`;
        checks.enumValue(c?.InstanceType, `${p}.instanceType`, INSTANCE_TYPES);
        if (c?.InstanceType === undefined && c?.ServerlessConfig === undefined) {
          checks.add(undefined, `${p}.instanceType`, "Member must not be null");
        }
      });
    }
    if (checks.list(config.Endpoints, "inputConfig.endpoints", { max: 1 })) {
      config.Endpoints.forEach((e, i) => {
        checks.string(
          e?.EndpointName,
          `inputConfig.endpoints.${i + 1}.member.endpointName`,
          REQUIRED_NAME,
        );
      });
    }
  }
  const stopping = input.StoppingConditions;
  if (stopping !== undefined) {
    checks.number(stopping.MaxInvocations, "stoppingConditions.maxInvocations", {
      integer: true,
      min: 1,
    });
    if (
      checks.list(stopping.ModelLatencyThresholds, "stoppingConditions.modelLatencyThresholds", {
        min: 1,
        max: 1,
      })
    ) {
      stopping.ModelLatencyThresholds.forEach((t, i) => {
        const p = `stoppingConditions.modelLatencyThresholds.${i + 1}.member`;
        checks.string(t?.Percentile, `${p}.percentile`, {
          required: true,
          max: 64,
          pattern: "^P95|P99$",
        });
        checks.number(t?.ValueInMilliseconds, `${p}.valueInMilliseconds`, {
          required: true,
          integer: true,
          min: 1,
        });
      });
    }
    checks.enumValue(stopping.FlatInvocations, "stoppingConditions.flatInvocations", [
      "Continue",
      "Stop",
    ]);
  }
  checks.done();

  // Rules between members (free-text ValidationException, after the field constraints).
  const c = input.InputConfig!;
  if ((c.ModelPackageVersionArn === undefined) === (c.ModelName === undefined)) {
    throw validationError(
      "Please provide exactly one of ModelPackageVersionArn or ModelName in InputConfig",
    );
  }
  if (advanced) {
    if (c.TrafficPattern === undefined) {
      throw validationError(
        "TrafficPattern in InputConfig is required for an Advanced job: give Phases or Stairs",
      );
    }
    if ((c.Endpoints?.length ?? 0) === 0 && (c.EndpointConfigurations?.length ?? 0) === 0) {
      throw validationError(
        "An Advanced job needs Endpoints or EndpointConfigurations in InputConfig: name the endpoint or the instance types to load-test",
      );
    }
  }
}
