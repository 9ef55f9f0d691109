/**
 * Turns the `DynamicScalingConfiguration` of SageMaker's `GetScalingConfigurationRecommendation`
 * into a {@linkcode ScalingConfig}, the shape `scale` applies (RegisterScalableTarget +
 * PutScalingPolicy) and the sweep scores. Pure.
 *
 * The shapes differ: SageMaker's policy is `{ TargetTracking: { MetricSpecification:
 * { Predefined: { PredefinedMetricType } } | { Customized: { MetricName, Namespace, Statistic } },
 * TargetValue } }` with the cooldowns beside the policies, while PutScalingPolicy takes
 * `PredefinedMetricSpecification` / `CustomizedMetricSpecification` and the cooldowns inside each
 * policy. A CPU target arrives summed over cores (`CPUUtilization`, 0–100 × vCPUs) and becomes the
 * per-vCPU percentage {@linkcode ScalingConfig} holds.
 *
 * @module
 */
import type {
  DynamicScalingConfiguration,
  TargetTrackingScalingPolicyConfiguration,
} from "@aws-sdk/client-sagemaker";
import { vCpusOf } from "../cloud/instance_types.ts";
import { InputError } from "./errors.ts";
import type { ScalingConfig, TargetTrackingSpec } from "./scaling_requests.ts";

/** Options of {@linkcode scalingConfigFromAws}. */
export interface FromAwsOptions {
  /** Instance type of the variant (to read a CPU target per vCPU). */
  instanceType: string;
  /**
   * Label of the configuration.
   * @default {"AWS recommendation"}
   */
  label?: string;
}

function trackingSpec(
  policy: TargetTrackingScalingPolicyConfiguration,
  context: { instanceType: string; scaleInCooldown?: number; scaleOutCooldown?: number },
): TargetTrackingSpec {
  const target = policy.TargetValue;
  if (!(typeof target === "number" && target > 0)) {
    throw new InputError(
      `Cannot convert the AWS recommendation: a policy's TargetValue must be above 0, found ${target}`,
    );
  }
  // The SDK types MetricSpecification as a tagged union; read it as the plain JSON it is.
  const spec = (policy.MetricSpecification ?? {}) as {
    Predefined?: { PredefinedMetricType?: string };
    Customized?: { MetricName?: string };
  };
  const cooldowns = {
    ...(context.scaleOutCooldown === undefined
      ? {}
      : { scaleOutCooldown: context.scaleOutCooldown }),
    ...(context.scaleInCooldown === undefined ? {} : { scaleInCooldown: context.scaleInCooldown }),
  };
  if (spec.Predefined !== undefined) {
    const type = spec.Predefined.PredefinedMetricType;
    if (type === "SageMakerVariantInvocationsPerInstance") {
      return { metric: "invocations", target, ...cooldowns };
    }
    if (type === "SageMakerVariantConcurrentRequestsPerModelHighResolution") {
      return { metric: "concurrency", target, ...cooldowns };
    }
    throw new InputError(
      `Cannot convert the AWS recommendation: predefined metric ${type} is not one scale applies (SageMakerVariantInvocationsPerInstance, SageMakerVariantConcurrentRequestsPerModelHighResolution)`,
    );
  }
  if (spec.Customized !== undefined) {
    if (spec.Customized.MetricName === "CPUUtilization") {
      return { metric: "cpu", target: target / vCpusOf(context.instanceType), ...cooldowns };
    }
    throw new InputError(
      `Cannot convert the AWS recommendation: customized metric ${spec.Customized.MetricName} is not one scale applies (CPUUtilization)`,
    );
  }
  throw new InputError(
    "Cannot convert the AWS recommendation: a policy has no Predefined or Customized metric",
  );
}

/**
 * The {@linkcode ScalingConfig} of an AWS `DynamicScalingConfiguration`.
 *
 * @example Usage
 * ```ts
 * import { scalingConfigFromAws } from "./aws_scaling_recommendation.ts";
 * import assert from "node:assert/strict";
 * const config = scalingConfigFromAws({ MinCapacity: 1, MaxCapacity: 4, ScaleInCooldown: 300,
 *   ScaleOutCooldown: 60, ScalingPolicies: [{ TargetTracking: { TargetValue: 1500,
 *     MetricSpecification: { Predefined: { PredefinedMetricType: "SageMakerVariantInvocationsPerInstance" } } } }] },
 *   { instanceType: "ml.c5.large" });
 * assert.deepEqual(config.targetTracking, [
 *   { metric: "invocations", target: 1500, scaleOutCooldown: 60, scaleInCooldown: 300 }]);
 * ```
 */
export function scalingConfigFromAws(
  dynamic: DynamicScalingConfiguration,
  options: FromAwsOptions,
): ScalingConfig {
  const min = dynamic.MinCapacity;
  const max = dynamic.MaxCapacity;
  if (!(Number.isInteger(min) && Number.isInteger(max) && min! >= 1 && max! >= min!)) {
    throw new InputError(
      `Cannot convert the AWS recommendation: MinCapacity (${min}) and MaxCapacity (${max}) must be whole numbers with 1 <= min <= max`,
    );
  }
  const policies = dynamic.ScalingPolicies ?? [];
  const targetTracking = policies.map((p) => {
    if (p.TargetTracking === undefined) {
      throw new InputError(
        "Cannot convert the AWS recommendation: only TargetTracking scaling policies are known",
      );
    }
    return trackingSpec(p.TargetTracking, {
      instanceType: options.instanceType,
      scaleInCooldown: dynamic.ScaleInCooldown,
      scaleOutCooldown: dynamic.ScaleOutCooldown,
    });
  });
  if (targetTracking.length === 0) {
    throw new InputError("Cannot convert the AWS recommendation: it has no scaling policies");
  }
  return {
    instanceType: options.instanceType,
    minCapacity: min!,
    maxCapacity: max!,
    label: options.label ?? "AWS recommendation",
    targetTracking,
    stepScaling: [],
    scheduledActions: [],
  };
}
