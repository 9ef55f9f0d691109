/**
 * AWS's answer for the sweep: asks the backend (local or AWS) for
 * `GetScalingConfigurationRecommendation` of the recommend result's Default job and converts its
 * `DynamicScalingConfiguration` into a candidate; or says, in one line, why there is none.
 *
 * @module
 */
import {
  GetScalingConfigurationRecommendationCommand,
  type GetScalingConfigurationRecommendationResponse,
} from "@aws-sdk/client-sagemaker";
import type { Cloud } from "../cloud/types.ts";
import { scalingConfigFromAws } from "./aws_scaling_recommendation.ts";
import type { ScalingConfig } from "./scaling_requests.ts";

/** What {@linkcode awsCandidate} found: a configuration, or why it is missing. */
export interface AwsCandidate {
  jobName?: string;
  config?: ScalingConfig;
  response?: GetScalingConfigurationRecommendationResponse;
  /** Why there is no configuration (one line). */
  missing?: string;
}

/**
 * Asks the backend for the job's scaling recommendation and converts it.
 *
 * @example Usage
 * ```ts
 * import { awsCandidate } from "./sweep_aws.ts";
 * import assert from "node:assert/strict";
 * const none = await awsCandidate(undefined, { instanceType: "ml.c5.large" });
 * assert.match(none.missing!, /no recommend result/);
 * ```
 */
export async function awsCandidate(
  jobName: string | undefined,
  options: { cloud?: () => Promise<Cloud>; instanceType: string },
): Promise<AwsCandidate> {
  if (jobName === undefined) {
    return {
      missing: "no recommend result with a job name (--from recommend.json) to ask it for",
    };
  }
  if (options.cloud === undefined) return { jobName, missing: "no backend to ask" };
  let response: GetScalingConfigurationRecommendationResponse;
  try {
    const cloud = await options.cloud();
    // The SDK's `$metadata` (request id, attempts) is no part of the answer.
    const { $metadata: _, ...answer } = await cloud.sagemaker.send(
      new GetScalingConfigurationRecommendationCommand({
        InferenceRecommendationsJobName: jobName,
      }),
    );
    response = answer;
  } catch (error) {
    const e = error as Error;
    return {
      jobName,
      missing: `GetScalingConfigurationRecommendation for job ${jobName} failed: ${e.name}: ${
        e.message.split("\n")[0]
      }`,
    };
  }
  if (response.DynamicScalingConfiguration === undefined) {
    return { jobName, response, missing: "the response has no DynamicScalingConfiguration" };
  }
  try {
    const config = scalingConfigFromAws(response.DynamicScalingConfiguration, {
      instanceType: options.instanceType,
      label: "AWS recommendation",
    });
    return { jobName, config, response };
  } catch (error) {
    return { jobName, response, missing: (error as Error).message };
  }
}
