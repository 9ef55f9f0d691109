/**
 * The AWS requests that a scaling configuration turns into, as plain data: the scalable target,
 * each target-tracking policy, each step policy with the alarm that drives it, each scheduled
 * action. Pure (no I/O): the export step writes them as CloudFormation or Terraform, and the
 * policy helpers send the same shapes.
 *
 * @module
 */
import type { PutScalingPolicyCommandInput } from "@aws-sdk/client-application-auto-scaling";
import type { PutMetricAlarmCommandInput } from "@aws-sdk/client-cloudwatch";
import { vCpusOf } from "../cloud/instance_types.ts";
import { InputError } from "./errors.ts";
import { stepScalingAlarm } from "../sim/policy_alarms.ts";
import { stepAdjustments } from "../sim/step_scaling.ts";

/** The variant a policy scales. */
export interface VariantTarget {
  endpointName: string;
  variantName: string;
}

/** Which metric a target-tracking policy follows. */
export type TargetTrackingMetric = "invocations" | "concurrency" | "cpu";

/** A target-tracking policy. */
export interface TargetTrackingSpec {
  metric: TargetTrackingMetric;
  /**
   * The target: invocations per instance per minute (`invocations`), concurrent requests per
   * model (`concurrency`), or, for `cpu`, the CPU % PER vCPU (see {@linkcode cpuTargetValue}).
   */
  target: number;
  /**
   * Seconds after a scale-out before the policy adds more than it already did (AAS default for
   * SageMaker: 300; the original's 10 s invites flapping on one-minute metrics).
   * @default {300}
   */
  scaleOutCooldown?: number;
  /**
   * Seconds after a scale-in before the next (AAS default for SageMaker: 300).
   * @default {300}
   */
  scaleInCooldown?: number;
  /**
   * Never remove capacity through this policy.
   * @default {false}
   */
  disableScaleIn?: boolean;
}

/**
 * The CloudWatch `CPUUtilization` target for a per-vCPU percentage: SageMaker reports CPU summed
 * over cores (0–200 % on a 2-vCPU ml.c5.large), so "50 % of each core" is 100 there and 200 on a
 * 4-vCPU type. The original's unexplained `target_value=100` is 50 % per core on ml.c5.large only.
 *
 * @example Usage
 * ```ts
 * import { cpuTargetValue } from "./scaling_requests.ts";
 * import assert from "node:assert/strict";
 * assert.equal(cpuTargetValue(50, "ml.c5.large"), 100);
 * assert.equal(cpuTargetValue(50, "ml.c5.xlarge"), 200);
 * ```
 */
export function cpuTargetValue(percentPerVcpu: number, instanceType: string): number {
  if (!(percentPerVcpu > 0 && percentPerVcpu <= 100)) {
    throw new InputError(
      `Cannot set a CPU target of ${percentPerVcpu} % per vCPU: give a value in (0, 100]`,
    );
  }
  return percentPerVcpu * vCpusOf(instanceType);
}

/** A step-scaling policy and the alarm that drives it. */
export interface StepScalingSpec {
  /** Policy name suffix, e.g. `step-invocations`. */
  label: string;
  /** Alarm threshold on InvocationsPerInstance (Sum per minute). Step bounds are relative to it. */
  threshold: number;
  /** Steps: bounds relative to the threshold, in the metric's units; adjustments in instances. */
  steps: { lower?: number; upper?: number; adjustment: number }[];
  /**
   * Seconds during which capacity added counts toward the next scale-out (AAS default 300).
   * @default {300}
   */
  cooldown?: number;
  /**
   * Alarm: consecutive one-minute datapoints above the threshold before it fires.
   * @default {1}
   */
  evaluationPeriods?: number;
}

/** A scheduled action. */
export interface ScheduledActionSpec {
  name: string;
  /** `at(...)`, `rate(...)` or `cron(...)`. */
  schedule: string;
  /** IANA time zone. @default {"UTC"} */
  timezone?: string;
  minCapacity?: number;
  maxCapacity?: number;
}

/** What `scale` applies to a variant: capacity limits and a set of policies. */
export interface ScalingConfig {
  /** Instance type of the variant (a CPU target per vCPU depends on it). */
  instanceType: string;
  minCapacity: number;
  maxCapacity: number;
  /** Names the configuration in evaluations and exports, e.g. `target tracking`. */
  label: string;
  targetTracking?: TargetTrackingSpec[];
  stepScaling?: StepScalingSpec[];
  scheduledActions?: ScheduledActionSpec[];
}

/** The Application Auto Scaling identity of a variant. */
export interface TargetKey {
  ServiceNamespace: "sagemaker";
  ResourceId: string;
  ScalableDimension: "sagemaker:variant:DesiredInstanceCount";
}

/**
 * The scalable target's key of a variant.
 *
 * @example Usage
 * ```ts
 * import { variantKey } from "./scaling_requests.ts";
 * import assert from "node:assert/strict";
 * const key = variantKey({ endpointName: "ep", variantName: "AllTraffic" });
 * assert.equal(key.ResourceId, "endpoint/ep/variant/AllTraffic");
 * ```
 */
export function variantKey(target: VariantTarget): TargetKey {
  return {
    ServiceNamespace: "sagemaker",
    ResourceId: `endpoint/${target.endpointName}/variant/${target.variantName}`,
    ScalableDimension: "sagemaker:variant:DesiredInstanceCount",
  };
}

/** A policy request without its target key (which the caller or the template supplies). */
export type PolicyRequest = Omit<
  PutScalingPolicyCommandInput,
  "ServiceNamespace" | "ResourceId" | "ScalableDimension"
>;

/** A step alarm request; the template or the sender fills `AlarmActions` with the policy's ARN. */
export type AlarmRequest = Omit<PutMetricAlarmCommandInput, "AlarmActions">;

/** Everything a configuration puts on one variant. */
export interface ScalingRequests {
  target: TargetKey & { MinCapacity: number; MaxCapacity: number };
  targetTracking: PolicyRequest[];
  /** Each step policy with the alarm that invokes it. */
  stepScaling: { policy: PolicyRequest; alarm: AlarmRequest }[];
  scheduledActions: {
    ScheduledActionName: string;
    Schedule: string;
    Timezone: string;
    ScalableTargetAction: { MinCapacity?: number; MaxCapacity?: number };
  }[];
}

/**
 * A policy's name: the endpoint's name and a suffix (at most 256 characters).
 *
 * @example Usage
 * ```ts
 * import { policyName } from "./scaling_requests.ts";
 * import assert from "node:assert/strict";
 * assert.equal(policyName({ endpointName: "ep", variantName: "AllTraffic" }, "tt-cpu"), "ep-tt-cpu");
 * ```
 */
export function policyName(target: VariantTarget, suffix: string): string {
  return `${target.endpointName}-${suffix}`.slice(0, 256);
}

function variantDimensions(target: VariantTarget) {
  return [
    { Name: "EndpointName", Value: target.endpointName },
    { Name: "VariantName", Value: target.variantName },
  ];
}

/**
 * The PutScalingPolicy request of a target-tracking policy. A CPU target is a percentage per vCPU
 * and becomes SageMaker's summed `CPUUtilization` (100 on a 2-vCPU type for 50 %).
 *
 * @example Usage
 * ```ts
 * import { targetTrackingRequest } from "./scaling_requests.ts";
 * import assert from "node:assert/strict";
 * const r = targetTrackingRequest({ endpointName: "ep", variantName: "AllTraffic" },
 *   { metric: "cpu", target: 50 }, { instanceType: "ml.c5.large" });
 * assert.equal(r.TargetTrackingScalingPolicyConfiguration?.TargetValue, 100);
 * ```
 */
export function targetTrackingRequest(
  target: VariantTarget,
  spec: TargetTrackingSpec,
  options: { instanceType: string },
): PolicyRequest {
  if (!(Number.isFinite(spec.target) && spec.target > 0)) {
    throw new InputError(
      `Cannot put a target-tracking policy on ${spec.metric}: the target must be above 0, current value is ${spec.target}`,
    );
  }
  const metric = spec.metric === "invocations"
    ? {
      PredefinedMetricSpecification: {
        PredefinedMetricType: "SageMakerVariantInvocationsPerInstance" as const,
      },
    }
    : spec.metric === "concurrency"
    ? {
      PredefinedMetricSpecification: {
        PredefinedMetricType: "SageMakerVariantConcurrentRequestsPerModelHighResolution" as const,
      },
    }
    : {
      CustomizedMetricSpecification: {
        MetricName: "CPUUtilization",
        Namespace: "/aws/sagemaker/Endpoints",
        Dimensions: variantDimensions(target),
        Statistic: "Average" as const,
        Unit: "Percent",
      },
    };
  return {
    PolicyName: policyName(target, `tt-${spec.metric}`),
    PolicyType: "TargetTrackingScaling",
    TargetTrackingScalingPolicyConfiguration: {
      TargetValue: spec.metric === "cpu"
        ? cpuTargetValue(spec.target, options.instanceType)
        : spec.target,
      ...metric,
      ScaleOutCooldown: spec.scaleOutCooldown ?? 300,
      ScaleInCooldown: spec.scaleInCooldown ?? 300,
      DisableScaleIn: spec.disableScaleIn ?? false,
    },
  };
}

/**
 * The PutScalingPolicy request of a step policy and the PutMetricAlarm request of the alarm that
 * invokes it (InvocationsPerInstance, Sum per minute, `evaluationPeriods` of `evaluationPeriods`).
 *
 * @example Usage
 * ```ts
 * import { stepScalingRequests } from "./scaling_requests.ts";
 * import assert from "node:assert/strict";
 * const { policy, alarm } = stepScalingRequests({ endpointName: "ep", variantName: "AllTraffic" },
 *   { label: "step", threshold: 100, steps: [{ lower: 0, adjustment: 1 }] });
 * assert.equal(policy.PolicyName, "ep-step");
 * assert.equal(alarm.AlarmName, "ep-step-alarm");
 * ```
 */
export function stepScalingRequests(
  target: VariantTarget,
  spec: StepScalingSpec,
): { policy: PolicyRequest; alarm: AlarmRequest } {
  const name = policyName(target, spec.label);
  // The alarm's rule is the sweep's and the local backend's too (sim/policy_alarms.ts).
  const alarm = stepScalingAlarm(spec);
  return {
    policy: {
      PolicyName: name,
      PolicyType: "StepScaling",
      StepScalingPolicyConfiguration: {
        AdjustmentType: "ChangeInCapacity",
        StepAdjustments: stepAdjustments(spec.steps),
        MetricAggregationType: "Average",
        Cooldown: spec.cooldown ?? 300,
      },
    },
    alarm: {
      AlarmName: `${name}-alarm`,
      AlarmDescription:
        `Drives step-scaling policy ${name} (InvocationsPerInstance above ${spec.threshold})`,
      ActionsEnabled: true,
      Namespace: "AWS/SageMaker",
      MetricName: "InvocationsPerInstance",
      Dimensions: variantDimensions(target),
      Statistic: "Sum",
      Period: alarm.periodSeconds,
      EvaluationPeriods: alarm.evaluationPeriods,
      DatapointsToAlarm: alarm.datapointsToAlarm,
      Threshold: alarm.threshold,
      ComparisonOperator: alarm.comparisonOperator,
      TreatMissingData: alarm.treatMissingData,
    },
  };
}

/**
 * Every request a configuration makes for one variant, in the order they are sent.
 *
 * @example Usage
 * ```ts
 * import { scalingRequests } from "./scaling_requests.ts";
 * import assert from "node:assert/strict";
 * const r = scalingRequests({ endpointName: "ep", variantName: "AllTraffic" }, {
 *   label: "tt", instanceType: "ml.c5.large", minCapacity: 1, maxCapacity: 4,
 *   targetTracking: [{ metric: "invocations", target: 4987 }],
 * });
 * assert.equal(r.target.MaxCapacity, 4);
 * assert.equal(r.targetTracking.length, 1);
 * ```
 */
export function scalingRequests(target: VariantTarget, config: ScalingConfig): ScalingRequests {
  return {
    target: {
      ...variantKey(target),
      MinCapacity: config.minCapacity,
      MaxCapacity: config.maxCapacity,
    },
    targetTracking: (config.targetTracking ?? []).map((spec) =>
      targetTrackingRequest(target, spec, { instanceType: config.instanceType })
    ),
    stepScaling: (config.stepScaling ?? []).map((spec) => stepScalingRequests(target, spec)),
    scheduledActions: (config.scheduledActions ?? []).map((spec) => ({
      ScheduledActionName: spec.name,
      Schedule: spec.schedule,
      Timezone: spec.timezone ?? "UTC",
      ScalableTargetAction: { MinCapacity: spec.minCapacity, MaxCapacity: spec.maxCapacity },
    })),
  };
}
