/**
 * Scaling policies: PutScalingPolicy for target tracking (the AlarmHigh / AlarmLow it creates)
 * and step scaling (the step rules of `sim/scaling_math.ts`), and the ScalingPolicy output shape.
 *
 * @module
 */
import { StepAdjustmentError, validateStepAdjustments } from "../../../sim/step_scaling.ts";
import { type PolicyAlarm, targetTrackingAlarms } from "../../../sim/policy_alarms.ts";
import {
  ALARM_KIND,
  type AlarmRecord,
  allActions,
  deleteAlarms,
  putMetricAlarm,
} from "../cloudwatch/mod.ts";
import type { LocalContext } from "../kernel/context.ts";
import { NotImplementedLocallyError } from "../kernel/dispatch.ts";
import { dimensionsKey } from "../kernel/store/mod.ts";
import {
  AAS_KIND,
  aasError,
  type AlarmMetricRecord,
  basePolicyArn,
  childKey,
  parseVariantResourceId,
  policyArn,
  type PolicyRecord,
  putPolicy,
  targetPolicies,
  type TargetRef,
  validationException,
  VARIANT_DIMENSION,
} from "./records.ts";
import {
  checkRef,
  MAX_POLICIES_PER_TARGET,
  notNull,
  PREDEFINED_METRICS,
  requireTarget,
  SERVICE,
  TARGET_VALUE_RANGE,
} from "./validate.ts";
import * as aas from "@aws-sdk/client-application-auto-scaling";
import type {
  PutScalingPolicyRequest,
  PutScalingPolicyResponse,
  ScalingPolicy,
} from "@aws-sdk/client-application-auto-scaling";

function metricFor(
  ref: TargetRef,
  // deno-lint-ignore no-explicit-any
  config: Record<string, any>,
): AlarmMetricRecord {
  const predefined = config.PredefinedMetricSpecification;
  const custom = config.CustomizedMetricSpecification;
  if ((predefined === undefined) === (custom === undefined)) {
    throw validationException(
      "Exactly one of PredefinedMetricSpecification and CustomizedMetricSpecification must be specified",
    );
  }
  const ids = parseVariantResourceId(ref.ResourceId)!;
  if (predefined !== undefined) {
    const type = predefined.PredefinedMetricType;
    notNull(
      type,
      "targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType",
    );
    const known = PREDEFINED_METRICS[type];
    if (known === undefined) {
      if (type === "SageMakerVariantProvisionedConcurrencyUtilization") {
        throw new NotImplementedLocallyError(
          SERVICE,
          "PutScalingPolicy on serverless provisioned concurrency",
        );
      }
      throw validationException(
        `The predefined metric type ${type} is not supported for ${VARIANT_DIMENSION}: use SageMakerVariantInvocationsPerInstance or SageMakerVariantConcurrentRequestsPerModelHighResolution`,
      );
    }
    return {
      Namespace: "AWS/SageMaker",
      MetricName: known.metricName,
      Dimensions: [{ Name: "EndpointName", Value: ids.endpointName }, {
        Name: "VariantName",
        Value: ids.variantName,
      }],
      Statistic: known.statistic,
      highResolution: known.highResolution,
    };
  }
  let spec = custom;
  if (custom.Metrics !== undefined) {
    const queries = custom.Metrics;
    if (
      queries.length !== 1 || queries[0].MetricStat === undefined ||
      queries[0].Expression !== undefined
    ) {
      throw new NotImplementedLocallyError(
        SERVICE,
        "PutScalingPolicy with metric math in CustomizedMetricSpecification",
      );
    }
    const ms = queries[0].MetricStat;
    spec = { ...ms.Metric, Statistic: ms.Stat, Unit: ms.Unit };
  }
  for (const member of ["MetricName", "Namespace", "Statistic"]) {
    notNull(
      spec[member],
      `targetTrackingScalingPolicyConfiguration.customizedMetricSpecification.${
        member[0].toLowerCase()
      }${member.slice(1)}`,
    );
  }
  if (!["Average", "Minimum", "Maximum", "SampleCount", "Sum"].includes(spec.Statistic)) {
    throw validationException(
      `1 validation error detected: Value '${spec.Statistic}' at 'targetTrackingScalingPolicyConfiguration.customizedMetricSpecification.statistic' failed to satisfy constraint: Member must satisfy enum value set: [Average, Minimum, Maximum, SampleCount, Sum]`,
    );
  }
  const metric: AlarmMetricRecord = {
    Namespace: spec.Namespace,
    MetricName: spec.MetricName,
    Dimensions: (spec.Dimensions ?? []).map((d: { Name: string; Value: string }) => ({
      Name: d.Name,
      Value: d.Value,
    })),
    Statistic: spec.Statistic,
    highResolution: false,
  };
  if (spec.Unit !== undefined) metric.Unit = spec.Unit;
  return metric;
}

function sameMetric(a: AlarmMetricRecord, b: AlarmMetricRecord): boolean {
  return a.Namespace === b.Namespace && a.MetricName === b.MetricName &&
    a.Statistic === b.Statistic &&
    dimensionsKey(a.Dimensions) === dimensionsKey(b.Dimensions);
}

/** Creates or updates the alarms of a target-tracking policy (spec §1.1). */
function putTrackingAlarms(
  ctx: LocalContext,
  policy: PolicyRecord,
  previous: PolicyRecord | undefined,
): { AlarmName: string; AlarmARN: string }[] {
  const config = policy.TargetTrackingScalingPolicyConfiguration!;
  const metric = policy.trackedMetric!;
  const s = ctx.settings;
  const target = config.TargetValue as number;
  const reuse = previous?.PolicyType === "TargetTrackingScaling" ? previous.Alarms : [];
  const name = (kind: "High" | "Low") =>
    reuse.find((a) => a.AlarmName.includes(`-Alarm${kind}-`))?.AlarmName ??
      `TargetTracking-${policy.ResourceId}-Alarm${kind}-${crypto.randomUUID()}`;
  const action = `${policy.PolicyARN}:createdBy/${crypto.randomUUID()}`;
  const base = {
    AlarmDescription:
      `DO NOT EDIT OR DELETE. For TargetTrackingScaling policy ${policy.PolicyARN}.`,
    AlarmActions: [action],
    Namespace: metric.Namespace,
    MetricName: metric.MetricName,
    Dimensions: metric.Dimensions,
    Statistic: metric.Statistic as aas.MetricStatistic,
    Unit: metric.Unit as never,
    TreatMissingData: "missing",
  };
  // The rules are the sweep's too (sim/policy_alarms.ts), with this backend's settings.
  const rules = targetTrackingAlarms(target, {
    highResolution: metric.highResolution,
    disableScaleIn: config.DisableScaleIn ?? false,
    shapes: s,
  });
  const alarmRequest = (rule: PolicyAlarm) => ({
    Period: rule.periodSeconds,
    EvaluationPeriods: rule.evaluationPeriods,
    DatapointsToAlarm: rule.datapointsToAlarm,
    Threshold: rule.threshold,
    ComparisonOperator: rule.comparisonOperator,
  });
  const made: { AlarmName: string; AlarmARN: string }[] = [];
  const high = putMetricAlarm(ctx, {
    ...base,
    AlarmName: name("High"),
    ...alarmRequest(rules.high),
  });
  made.push({ AlarmName: high.AlarmName, AlarmARN: high.AlarmArn });
  const lowName = name("Low");
  if (rules.low === undefined) {
    deleteAlarms(ctx, [lowName], { skipMissing: true });
  } else {
    const low = putMetricAlarm(ctx, { ...base, AlarmName: lowName, ...alarmRequest(rules.low) });
    made.push({ AlarmName: low.AlarmName, AlarmARN: low.AlarmArn });
  }
  return made;
}

function checkStepConfig(config: PutScalingPolicyRequest["StepScalingPolicyConfiguration"]): void {
  if (config === undefined) {
    throw validationException(
      "StepScalingPolicyConfiguration is required for a StepScaling policy",
    );
  }
  const types = Object.values(aas.AdjustmentType) as string[];
  notNull(config.AdjustmentType, "stepScalingPolicyConfiguration.adjustmentType");
  if (!types.includes(config.AdjustmentType!)) {
    throw validationException(
      `1 validation error detected: Value '${config.AdjustmentType}' at 'stepScalingPolicyConfiguration.adjustmentType' failed to satisfy constraint: Member must satisfy enum value set: [${
        types.join(", ")
      }]`,
    );
  }
  notNull(config.StepAdjustments, "stepScalingPolicyConfiguration.stepAdjustments");
  try {
    validateStepAdjustments(
      config.StepAdjustments!.map((a) => ({ ...a, ScalingAdjustment: a.ScalingAdjustment! })),
    );
  } catch (error) {
    if (error instanceof StepAdjustmentError) throw validationException(error.message);
    throw error;
  }
  if (config.MinAdjustmentMagnitude !== undefined) {
    if (config.AdjustmentType !== "PercentChangeInCapacity") {
      throw validationException(
        "MinAdjustmentMagnitude is only supported with the PercentChangeInCapacity adjustment type",
      );
    }
    if (!(Number.isInteger(config.MinAdjustmentMagnitude) && config.MinAdjustmentMagnitude >= 1)) {
      throw validationException(
        `MinAdjustmentMagnitude must be a whole number >= 1, got ${config.MinAdjustmentMagnitude}`,
      );
    }
  }
  if (
    config.Cooldown !== undefined && !(Number.isInteger(config.Cooldown) && config.Cooldown >= 0)
  ) {
    throw validationException(
      `Cooldown must be a whole number of seconds >= 0, got ${config.Cooldown}`,
    );
  }
  const aggregations = ["Average", "Minimum", "Maximum"];
  if (
    config.MetricAggregationType !== undefined &&
    !aggregations.includes(config.MetricAggregationType)
  ) {
    throw validationException(
      `1 validation error detected: Value '${config.MetricAggregationType}' at 'stepScalingPolicyConfiguration.metricAggregationType' failed to satisfy constraint: Member must satisfy enum value set: [Average, Minimum, Maximum]`,
    );
  }
}

function checkTrackingConfig(
  config: PutScalingPolicyRequest["TargetTrackingScalingPolicyConfiguration"],
): void {
  if (config === undefined) {
    throw validationException(
      "TargetTrackingScalingPolicyConfiguration is required for a TargetTrackingScaling policy",
    );
  }
  notNull(config.TargetValue, "targetTrackingScalingPolicyConfiguration.targetValue");
  const v = config.TargetValue!;
  if (!(v >= TARGET_VALUE_RANGE[0] && v <= TARGET_VALUE_RANGE[1])) {
    throw validationException(
      `The target value ${v} is out of range: it must be between ${TARGET_VALUE_RANGE[0]} and ${
        TARGET_VALUE_RANGE[1]
      }`,
    );
  }
  for (const key of ["ScaleOutCooldown", "ScaleInCooldown"] as const) {
    const c = config[key];
    if (c !== undefined && !(Number.isInteger(c) && c >= 0)) {
      throw validationException(`${key} must be a whole number of seconds >= 0, got ${c}`);
    }
  }
}

export function putPolicyHandler(
  ctx: LocalContext,
  input: PutScalingPolicyRequest,
): Omit<PutScalingPolicyResponse, "$metadata"> {
  notNull(input.PolicyName, "policyName");
  const ref = checkRef(input, "PutScalingPolicy");
  const type = input.PolicyType ?? "StepScaling";
  if (type === "PredictiveScaling") {
    throw new NotImplementedLocallyError(
      SERVICE,
      "PutScalingPolicy with PolicyType PredictiveScaling",
    );
  }
  if (type !== "StepScaling" && type !== "TargetTrackingScaling") {
    throw validationException(
      `1 validation error detected: Value '${type}' at 'policyType' failed to satisfy constraint: Member must satisfy enum value set: [StepScaling, TargetTrackingScaling, PredictiveScaling]`,
    );
  }
  if (type === "StepScaling") {
    if (input.TargetTrackingScalingPolicyConfiguration !== undefined) {
      throw validationException(
        "TargetTrackingScalingPolicyConfiguration is not allowed for a StepScaling policy",
      );
    }
    checkStepConfig(input.StepScalingPolicyConfiguration);
  } else {
    if (input.StepScalingPolicyConfiguration !== undefined) {
      throw validationException(
        "StepScalingPolicyConfiguration is not allowed for a TargetTrackingScaling policy",
      );
    }
    checkTrackingConfig(input.TargetTrackingScalingPolicyConfiguration);
  }
  return ctx.store.tx(() => {
    requireTarget(ctx, ref);
    const name = input.PolicyName!;
    const previous = ctx.store.getDoc<PolicyRecord>(AAS_KIND.policy, childKey(ref, name));
    const others = targetPolicies(ctx, ref).filter((p) => p.PolicyName !== name);
    if (previous === undefined && others.length >= MAX_POLICIES_PER_TARGET) {
      throw aasError(
        "LimitExceededException",
        `A scalable target can have at most ${MAX_POLICIES_PER_TARGET} scaling policies: delete one before adding "${name}"`,
        400,
      );
    }
    const uuid = previous?.PolicyARN.match(/scalingPolicy:([^:]+):/)?.[1] ?? crypto.randomUUID();
    const policy: PolicyRecord = {
      ...ref,
      PolicyName: name,
      PolicyARN: policyArn(ctx, { ref, name, uuid }),
      PolicyType: type,
      CreationTime: previous?.CreationTime ?? ctx.store.now(),
      Alarms: [],
      cooldown: previous?.cooldown ?? {},
    };
    if (type === "StepScaling") {
      policy.StepScalingPolicyConfiguration = structuredClone(
        input.StepScalingPolicyConfiguration,
      ) as PolicyRecord[
        "StepScalingPolicyConfiguration"
      ];
      if (previous?.PolicyType === "TargetTrackingScaling") {
        deleteAlarms(ctx, previous.Alarms.map((a) => a.AlarmName), { skipMissing: true });
      }
    } else {
      const config = structuredClone(input.TargetTrackingScalingPolicyConfiguration)!;
      policy.TargetTrackingScalingPolicyConfiguration = config;
      policy.trackedMetric = metricFor(ref, config);
      const clash = others.find((p) =>
        p.PolicyType === "TargetTrackingScaling" && p.trackedMetric !== undefined &&
        sameMetric(p.trackedMetric, policy.trackedMetric!)
      );
      if (clash !== undefined) {
        throw validationException(
          `Target tracking policies of one scalable target must track different metrics: policy "${clash.PolicyName}" already tracks ${policy.trackedMetric.Namespace} ${policy.trackedMetric.MetricName}`,
        );
      }
      policy.Alarms = putTrackingAlarms(ctx, policy, previous);
    }
    putPolicy(ctx, policy);
    const out: Omit<PutScalingPolicyResponse, "$metadata"> = { PolicyARN: policy.PolicyARN };
    if (policy.Alarms.length > 0) out.Alarms = policy.Alarms.map((a) => ({ ...a }));
    return out;
  });
}

/**
 * A policy as DescribeScalingPolicies shows it. A step policy lists the alarms whose actions
 * invoke it (so an unwired one shows none); a target-tracking policy, the alarms it created.
 */
export function toScalingPolicy(ctx: LocalContext, p: PolicyRecord): ScalingPolicy {
  const alarms = p.PolicyType === "StepScaling"
    ? ctx.store.listDocs<AlarmRecord>(ALARM_KIND).map((d) => d.doc)
      .filter((a) => allActions(a).some((x) => basePolicyArn(x) === p.PolicyARN))
      .map((a) => ({ AlarmName: a.AlarmName, AlarmARN: a.AlarmArn }))
    : p.Alarms.map((a) => ({ ...a }));
  const out: ScalingPolicy = {
    PolicyARN: p.PolicyARN,
    PolicyName: p.PolicyName,
    ServiceNamespace: p.ServiceNamespace as aas.ServiceNamespace,
    ResourceId: p.ResourceId,
    ScalableDimension: p.ScalableDimension as aas.ScalableDimension,
    PolicyType: p.PolicyType,
    Alarms: alarms,
    CreationTime: new Date(p.CreationTime),
  };
  if (p.StepScalingPolicyConfiguration !== undefined) {
    out.StepScalingPolicyConfiguration = structuredClone(p.StepScalingPolicyConfiguration);
  }
  if (p.TargetTrackingScalingPolicyConfiguration !== undefined) {
    out.TargetTrackingScalingPolicyConfiguration = structuredClone(
      p.TargetTrackingScalingPolicyConfiguration,
    ) as aas.TargetTrackingScalingPolicyConfiguration;
  }
  return out;
}
