/**
 * The local Application Auto Scaling stand-in on the real
 * `@aws-sdk/client-application-auto-scaling` commands: RegisterScalableTarget,
 * DeregisterScalableTarget, DescribeScalableTargets, PutScalingPolicy, DescribeScalingPolicies,
 * DeleteScalingPolicy, PutScheduledAction, DescribeScheduledActions, DeleteScheduledAction and
 * DescribeScalingActivities, for SageMaker endpoint variants
 * (`sagemaker` / `sagemaker:variant:DesiredInstanceCount` / `endpoint/<ep>/variant/<v>`).
 * What happens on the simulated clock is in `autoscaling_engine.ts`.
 *
 * Facts and their sources (`../shared/spec/autoscaling.md`):
 * - A policy or scheduled action needs a registered target: `ObjectNotFoundException` "No
 *   scalable target registered for service namespace: …, resource ID: …, scalable dimension: …"
 *   [OBS] (Terraform/CLI reports); deregistering or deleting something missing is "No scalable
 *   target found …" / "No scaling policy found …" [OBS]; other combinations of namespace, resource
 *   and dimension are "Unsupported service namespace, resource type or scalable dimension" [OBS].
 * - The variant must exist [INF]: AWS checks it through SageMaker (its service-linked role
 *   describes the endpoint, spec §7); the message here names what is missing.
 * - MinCapacity ≥ 1 for a variant (spec §1.4: only inference components scale to 0). The API
 *   reference now lists 0 as an allowed minimum for "SageMaker endpoint variants"; an
 *   instance-based variant cannot serve from 0 instances (SM-ZERO), and the local SageMaker
 *   refuses a count of 0, so [INF] the local backend keeps 1 as the floor.
 * - Target tracking creates an AlarmHigh and, unless DisableScaleIn, an AlarmLow (§1.1):
 *   `TargetTracking-<resourceId>-AlarmHigh-<uuid>`, described "DO NOT EDIT OR DELETE. For
 *   TargetTrackingScaling policy <arn>.", acting on `<arn>:createdBy/<uuid>`; standard metrics
 *   60 s 3/3 `>` target and 15/15 `<` 0.9 × target; the high-resolution concurrency metric 10 s
 *   3/3 and 90/90 (settings `targetTrackingHigh/Low`, `highResolutionHigh/Low`,
 *   `scaleInThresholdRatio`). [INF] No AlarmLow with DisableScaleIn: the policy never scales in,
 *   so nothing would act on it. [INF] `ConcurrentRequestsPerModel` is tracked as its Average.
 * - Deleting a policy (or deregistering its target) deletes the alarms target tracking made and
 *   removes the policy from the actions of user alarms, which stay (DeleteScalingPolicy API
 *   reference; spec §3 "Deleting the policy does not delete user alarms").
 * - Step policies: AdjustmentType and StepAdjustments are required, the step rules of
 *   `scaling_math.ts` apply (ValidationException), MinAdjustmentMagnitude only with
 *   PercentChangeInCapacity, Cooldown defaults to 300 s (spec §3).
 * - Quotas (AAS-QUOTA): 50 policies and 200 scheduled actions per target.
 * - Target-tracking policies of one target must track different metrics (spec §1.4 [DOC]); the
 *   ValidationException's wording is [INF]. DescribeScalingPolicies lists, for a step policy, the
 *   alarms whose actions invoke it (empty while it is unwired).
 *
 * @module
 */
import * as aas from "@aws-sdk/client-application-auto-scaling";
import type {
  DeleteScalingPolicyRequest,
  DeleteScheduledActionRequest,
  DeregisterScalableTargetRequest,
  DescribeScalableTargetsRequest,
  DescribeScalableTargetsResponse,
  DescribeScalingActivitiesRequest,
  DescribeScalingActivitiesResponse,
  DescribeScalingPoliciesRequest,
  DescribeScalingPoliciesResponse,
  DescribeScheduledActionsRequest,
  DescribeScheduledActionsResponse,
  PutScalingPolicyRequest,
  PutScalingPolicyResponse,
  PutScheduledActionRequest,
  RegisterScalableTargetRequest,
  RegisterScalableTargetResponse,
  ScalableTarget,
  ScalingPolicy,
  ScheduledAction,
} from "@aws-sdk/client-application-auto-scaling";
import {
  ALARM_KIND,
  type AlarmRecord,
  deleteAlarms,
  getAlarm,
  putMetricAlarm,
  removeAlarmActions,
} from "../cloudwatch/mod.ts";
import {
  AAS_KIND,
  aasError,
  type ActivityRecord,
  basePolicyArn,
  childKey,
  getTarget,
  objectNotFound,
  parseVariantResourceId,
  policyArn,
  type PolicyRecord,
  putPolicy,
  SAGEMAKER_NAMESPACE,
  scalableTargetArn,
  scheduledActionArn,
  type ScheduledActionRecord,
  targetKey,
  targetPolicies,
  type TargetRecord,
  type TargetRef,
  toScalingActivity,
  type TrackedMetric,
  validationException,
  VARIANT_DIMENSION,
} from "./records.ts";
import {
  BOUNDS_EVENT,
  enforceBounds,
  registerAutoScalingEvents,
  SCHEDULED_ACTION_EVENT,
  scheduleNextFire,
} from "./engine.ts";
import type { LocalContext } from "../kernel/context.ts";
import { describeEndpointRecord } from "../sagemaker/mod.ts";
import { StepAdjustmentError, validateStepAdjustments } from "../../../sim/scaling_math.ts";
import {
  InvalidScheduleError,
  InvalidTimezoneError,
  parseSchedule,
  validateTimezone,
} from "../../../sim/schedule.ts";
import { NotImplementedLocallyError, type OperationHandler } from "../kernel/dispatch.ts";

export { registerAutoScalingEvents };

const SERVICE = "Application Auto Scaling";
/** Most policies per scalable target (AAS-QUOTA). */
export const MAX_POLICIES_PER_TARGET = 50;
/** Most scheduled actions per scalable target (AAS-QUOTA). */
export const MAX_SCHEDULED_ACTIONS_PER_TARGET = 200;
/** Target tracking's TargetValue range (spec §1.4, AAS-TTCFG). */
const TARGET_VALUE_RANGE = [8.515920e-109, 1.174271e+108] as const;

const PREDEFINED_METRICS: Record<
  string,
  { metricName: string; statistic: string; highResolution: boolean }
> = {
  SageMakerVariantInvocationsPerInstance: {
    metricName: "InvocationsPerInstance",
    statistic: "Sum",
    highResolution: false,
  },
  SageMakerVariantConcurrentRequestsPerModelHighResolution: {
    metricName: "ConcurrentRequestsPerModel",
    statistic: "Average",
    highResolution: true,
  },
};

function notNull(value: unknown, member: string): void {
  if (value === undefined || value === null) {
    throw validationException(
      `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
    );
  }
}

function unsupportedTarget(): Error {
  return validationException("Unsupported service namespace, resource type or scalable dimension");
}

/** Checks a namespace/resource/dimension triple the local backend can scale. */
function checkRef(input: Partial<TargetRef>, operation: string): TargetRef {
  notNull(input.ServiceNamespace, "serviceNamespace");
  notNull(input.ResourceId, "resourceId");
  notNull(input.ScalableDimension, "scalableDimension");
  const ns = input.ServiceNamespace!;
  const dim = input.ScalableDimension!;
  const namespaces = Object.values(aas.ServiceNamespace) as string[];
  const dimensions = Object.values(aas.ScalableDimension) as string[];
  if (!namespaces.includes(ns)) {
    throw validationException(
      `1 validation error detected: Value '${ns}' at 'serviceNamespace' failed to satisfy constraint: Member must satisfy enum value set: [${
        namespaces.join(", ")
      }]`,
    );
  }
  if (!dimensions.includes(dim)) {
    throw validationException(
      `1 validation error detected: Value '${dim}' at 'scalableDimension' failed to satisfy constraint: Member must satisfy enum value set: [${
        dimensions.join(", ")
      }]`,
    );
  }
  if (!dim.startsWith(`${ns}:`)) throw unsupportedTarget();
  if (ns !== SAGEMAKER_NAMESPACE || dim !== VARIANT_DIMENSION) {
    throw new NotImplementedLocallyError(SERVICE, `${operation} for ${dim}`);
  }
  if (parseVariantResourceId(input.ResourceId!) === undefined) throw unsupportedTarget();
  return { ServiceNamespace: ns, ResourceId: input.ResourceId!, ScalableDimension: dim };
}

function describeRef(ref: TargetRef): string {
  return `service namespace: ${ref.ServiceNamespace}, resource ID: ${ref.ResourceId}, scalable dimension: ${ref.ScalableDimension}`;
}

function requireTarget(ctx: LocalContext, ref: TargetRef): TargetRecord {
  const target = getTarget(ctx, ref);
  if (target === undefined) {
    throw objectNotFound(`No scalable target registered for ${describeRef(ref)}`);
  }
  return target;
}

function checkCapacity(value: number | undefined, member: string): void {
  if (value === undefined) return;
  if (!(Number.isInteger(value) && value >= 0)) {
    throw validationException(
      `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: Member must be a whole number >= 0`,
    );
  }
}

function pageSize(max: number | undefined, limit: number): number {
  if (max === undefined) return limit;
  if (!(Number.isInteger(max) && max >= 1 && max <= limit)) {
    throw validationException(
      `1 validation error detected: Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and ${limit}`,
    );
  }
  return max;
}

function readToken(token: string | undefined): number {
  if (token === undefined) return 0;
  try {
    const o = JSON.parse(atob(token)).o;
    if (Number.isInteger(o) && o >= 0) return o;
  } catch {
    // fall through
  }
  throw aasError(
    "InvalidNextTokenException",
    "Invalid token: pass the NextToken of the previous response",
    400,
  );
}

/**
 * One page of a Describe* answer: the records of `kind` in the request's namespace that `keep`
 * accepts (oldest first, or newest first), `MaxResults` (default and limit `limit`) from the
 * request's `NextToken` on; `NextToken` is there only when more follow.
 */
function describePage<T>(
  ctx: LocalContext,
  kind: string,
  input: { ServiceNamespace?: string; MaxResults?: number; NextToken?: string },
  limit: number,
  keep: (record: T) => boolean,
  newestFirst = false,
): { items: T[]; NextToken?: string } {
  const ns = checkNamespace(input.ServiceNamespace);
  const size = pageSize(input.MaxResults, limit);
  const offset = readToken(input.NextToken);
  const records = ctx.store.listDocs<T>(kind, `${encodeURIComponent(ns)}/`).map((d) => d.doc)
    .filter(keep);
  if (newestFirst) records.reverse();
  const out: { items: T[]; NextToken?: string } = { items: records.slice(offset, offset + size) };
  if (offset + size < records.length) out.NextToken = btoa(JSON.stringify({ o: offset + size }));
  return out;
}

function serviceLinkedRole(ctx: LocalContext): string {
  return `arn:aws:iam::${ctx.account}:role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint`;
}

// ---------------------------------------------------------------------------------------------
// Scalable targets

function registerTarget(ctx: LocalContext, input: RegisterScalableTargetRequest): TargetRecord {
  const ref = checkRef(input, "RegisterScalableTarget");
  checkCapacity(input.MinCapacity, "minCapacity");
  checkCapacity(input.MaxCapacity, "maxCapacity");
  const ids = parseVariantResourceId(ref.ResourceId)!;
  return ctx.store.tx(() => {
    let endpoint;
    try {
      endpoint = describeEndpointRecord(ctx, ids.endpointName);
    } catch {
      throw validationException(
        `Could not find endpoint "${ids.endpointName}" for resource ID ${ref.ResourceId}: create the endpoint before registering its variant`,
      );
    }
    if (
      !endpoint.ProductionVariants.some((v) =>
        v.VariantName.toLowerCase() === ids.variantName.toLowerCase()
      )
    ) {
      throw validationException(
        `The variant "${ids.variantName}" is not present in endpoint "${ids.endpointName}": use one of ${
          endpoint.ProductionVariants.map((v) => `"${v.VariantName}"`).join(", ")
        }`,
      );
    }
    const existing = getTarget(ctx, ref);
    if (
      existing === undefined && (input.MinCapacity === undefined || input.MaxCapacity === undefined)
    ) {
      throw validationException(
        "MinCapacity and MaxCapacity are required when registering a new scalable target",
      );
    }
    const min = input.MinCapacity ?? existing!.MinCapacity;
    const max = input.MaxCapacity ?? existing!.MaxCapacity;
    if (min < 1) {
      throw validationException(
        `The minimum capacity of a SageMaker endpoint variant is 1, got ${min}: only inference components scale to 0`,
      );
    }
    if (min > max) {
      throw validationException(
        `Minimum capacity (${min}) cannot be greater than maximum capacity (${max})`,
      );
    }
    const s = input.SuspendedState ?? {};
    const before = existing?.SuspendedState;
    const target: TargetRecord = {
      ...ref,
      MinCapacity: min,
      MaxCapacity: max,
      RoleARN: input.RoleARN ?? existing?.RoleARN ?? serviceLinkedRole(ctx),
      CreationTime: existing?.CreationTime ?? ctx.store.now(),
      SuspendedState: {
        DynamicScalingInSuspended: s.DynamicScalingInSuspended ??
          before?.DynamicScalingInSuspended ?? false,
        DynamicScalingOutSuspended: s.DynamicScalingOutSuspended ??
          before?.DynamicScalingOutSuspended ?? false,
        ScheduledScalingSuspended: s.ScheduledScalingSuspended ??
          before?.ScheduledScalingSuspended ?? false,
      },
      ScalableTargetARN: existing?.ScalableTargetARN ?? scalableTargetArn(ctx),
    };
    const tags = input.Tags ?? existing?.Tags;
    if (tags !== undefined) target.Tags = { ...tags };
    ctx.store.putDoc(AAS_KIND.target, targetKey(ref), target);
    enforceBounds(ctx, target);
    return target;
  });
}

function toScalableTarget(t: TargetRecord): ScalableTarget {
  return {
    ServiceNamespace: t.ServiceNamespace as aas.ServiceNamespace,
    ResourceId: t.ResourceId,
    ScalableDimension: t.ScalableDimension as aas.ScalableDimension,
    MinCapacity: t.MinCapacity,
    MaxCapacity: t.MaxCapacity,
    RoleARN: t.RoleARN,
    CreationTime: new Date(t.CreationTime),
    SuspendedState: { ...t.SuspendedState },
    ScalableTargetARN: t.ScalableTargetARN,
  };
}

/** Deletes a policy, the alarms target tracking made for it, and its actions on other alarms. */
function removePolicy(ctx: LocalContext, policy: PolicyRecord): void {
  const made = policy.Alarms.map((a) => a.AlarmName).filter((n) => getAlarm(ctx, n) !== undefined);
  if (made.length > 0) deleteAlarms(ctx, made);
  removeAlarmActions(
    ctx,
    (arn) => arn === policy.PolicyARN || arn.startsWith(`${policy.PolicyARN}:createdBy/`),
  );
  ctx.store.deleteDoc(AAS_KIND.policy, childKey(policy, policy.PolicyName));
}

function deregisterTarget(ctx: LocalContext, input: DeregisterScalableTargetRequest): void {
  const ref = checkRef(input, "DeregisterScalableTarget");
  ctx.store.tx(() => {
    const target = getTarget(ctx, ref);
    if (target === undefined) {
      throw objectNotFound(`No scalable target found for ${describeRef(ref)}`);
    }
    for (const policy of targetPolicies(ctx, ref)) removePolicy(ctx, policy);
    for (const { id } of ctx.store.listDocs(AAS_KIND.scheduledAction, `${targetKey(ref)}/`)) {
      ctx.store.cancelEvents(SCHEDULED_ACTION_EVENT, id);
      ctx.store.deleteDoc(AAS_KIND.scheduledAction, id);
    }
    ctx.store.cancelEvents(BOUNDS_EVENT, targetKey(ref));
    ctx.store.deleteDoc(AAS_KIND.target, targetKey(ref));
  });
}

// ---------------------------------------------------------------------------------------------
// Scaling policies

function metricFor(
  ref: TargetRef,
  // deno-lint-ignore no-explicit-any
  config: Record<string, any>,
): TrackedMetric {
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
  const metric: TrackedMetric = {
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

function sameMetric(a: TrackedMetric, b: TrackedMetric): boolean {
  const dims = (m: TrackedMetric) =>
    JSON.stringify([...m.Dimensions].sort((x, y) => x.Name < y.Name ? -1 : 1));
  return a.Namespace === b.Namespace && a.MetricName === b.MetricName &&
    a.Statistic === b.Statistic &&
    dims(a) === dims(b);
}

/** Rounds away float noise: 0.9 × 70 is 63, not 63.00000000000001. */
function tidy(x: number): number {
  return Number(x.toPrecision(12));
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
  const shapes = metric.highResolution
    ? { high: s.highResolutionHigh, low: s.highResolutionLow }
    : { high: s.targetTrackingHigh, low: s.targetTrackingLow };
  const made: { AlarmName: string; AlarmARN: string }[] = [];
  const high = putMetricAlarm(ctx, {
    ...base,
    AlarmName: name("High"),
    Period: shapes.high.periodSeconds,
    EvaluationPeriods: shapes.high.evaluationPeriods,
    DatapointsToAlarm: shapes.high.datapointsToAlarm,
    Threshold: target,
    ComparisonOperator: "GreaterThanThreshold",
  });
  made.push({ AlarmName: high.AlarmName, AlarmARN: high.AlarmArn });
  const lowName = name("Low");
  if (config.DisableScaleIn) {
    if (getAlarm(ctx, lowName) !== undefined) deleteAlarms(ctx, [lowName]);
  } else {
    const low = putMetricAlarm(ctx, {
      ...base,
      AlarmName: lowName,
      Period: shapes.low.periodSeconds,
      EvaluationPeriods: shapes.low.evaluationPeriods,
      DatapointsToAlarm: shapes.low.datapointsToAlarm,
      Threshold: tidy(target * s.scaleInThresholdRatio),
      ComparisonOperator: "LessThanThreshold",
    });
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

function putPolicyHandler(
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
      PolicyARN: policyArn(ctx, ref, name, uuid),
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
        const made = previous.Alarms.map((a) => a.AlarmName).filter((n) =>
          getAlarm(ctx, n) !== undefined
        );
        if (made.length > 0) deleteAlarms(ctx, made);
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
function toScalingPolicy(ctx: LocalContext, p: PolicyRecord): ScalingPolicy {
  const alarms = p.PolicyType === "StepScaling"
    ? ctx.store.listDocs<AlarmRecord>(ALARM_KIND).map((d) => d.doc)
      .filter((a) =>
        [...a.AlarmActions, ...a.OKActions, ...a.InsufficientDataActions].some((x) =>
          basePolicyArn(x) === p.PolicyARN
        )
      )
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

// ---------------------------------------------------------------------------------------------
// Scheduled actions

function putScheduledAction(ctx: LocalContext, input: PutScheduledActionRequest): void {
  notNull(input.ScheduledActionName, "scheduledActionName");
  const ref = checkRef(input, "PutScheduledAction");
  const bounds = input.ScalableTargetAction;
  checkCapacity(bounds?.MinCapacity, "scalableTargetAction.minCapacity");
  checkCapacity(bounds?.MaxCapacity, "scalableTargetAction.maxCapacity");
  if (
    bounds?.MinCapacity !== undefined && bounds.MaxCapacity !== undefined &&
    bounds.MinCapacity > bounds.MaxCapacity
  ) {
    throw validationException(
      `Minimum capacity (${bounds.MinCapacity}) cannot be greater than maximum capacity (${bounds.MaxCapacity})`,
    );
  }
  if (bounds?.MinCapacity !== undefined && bounds.MinCapacity < 1) {
    throw validationException(
      `The minimum capacity of a SageMaker endpoint variant is 1, got ${bounds.MinCapacity}: only inference components scale to 0`,
    );
  }
  ctx.store.tx(() => {
    requireTarget(ctx, ref);
    const name = input.ScheduledActionName!;
    const id = childKey(ref, name);
    const previous = ctx.store.getDoc<ScheduledActionRecord>(AAS_KIND.scheduledAction, id);
    const schedule = input.Schedule ?? previous?.Schedule;
    if (schedule === undefined) {
      throw validationException("Schedule is required when creating a scheduled action");
    }
    const timezone = input.Timezone ?? previous?.Timezone;
    try {
      parseSchedule(schedule);
      if (timezone !== undefined) validateTimezone(timezone);
    } catch (error) {
      if (error instanceof InvalidScheduleError || error instanceof InvalidTimezoneError) {
        throw validationException(error.message);
      }
      throw error;
    }
    const start = input.StartTime?.getTime() ?? previous?.StartTime;
    const end = input.EndTime?.getTime() ?? previous?.EndTime;
    if (start !== undefined && end !== undefined && start > end) {
      throw validationException("StartTime must be before EndTime");
    }
    if (previous === undefined) {
      const count = ctx.store.listDocs(AAS_KIND.scheduledAction, `${targetKey(ref)}/`).length;
      if (count >= MAX_SCHEDULED_ACTIONS_PER_TARGET) {
        throw aasError(
          "LimitExceededException",
          `A scalable target can have at most ${MAX_SCHEDULED_ACTIONS_PER_TARGET} scheduled actions: delete one before adding "${name}"`,
          400,
        );
      }
    }
    const record: ScheduledActionRecord = {
      ...ref,
      ScheduledActionName: name,
      ScheduledActionARN: previous?.ScheduledActionARN ?? scheduledActionArn(ctx, ref, name),
      Schedule: schedule,
      CreationTime: previous?.CreationTime ?? ctx.store.now(),
    };
    if (timezone !== undefined) record.Timezone = timezone;
    if (start !== undefined) record.StartTime = start;
    if (end !== undefined) record.EndTime = end;
    const action = bounds ?? previous?.ScalableTargetAction;
    if (action !== undefined) {
      record.ScalableTargetAction = {};
      if (action.MinCapacity !== undefined) {
        record.ScalableTargetAction.MinCapacity = action.MinCapacity;
      }
      if (action.MaxCapacity !== undefined) {
        record.ScalableTargetAction.MaxCapacity = action.MaxCapacity;
      }
    }
    scheduleNextFire(ctx, id, record, ctx.store.now());
  });
}

function toScheduledAction(a: ScheduledActionRecord): ScheduledAction {
  const out: ScheduledAction = {
    ScheduledActionName: a.ScheduledActionName,
    ScheduledActionARN: a.ScheduledActionARN,
    ServiceNamespace: a.ServiceNamespace as aas.ServiceNamespace,
    Schedule: a.Schedule,
    ResourceId: a.ResourceId,
    ScalableDimension: a.ScalableDimension as aas.ScalableDimension,
    CreationTime: new Date(a.CreationTime),
  };
  if (a.Timezone !== undefined) out.Timezone = a.Timezone;
  if (a.StartTime !== undefined) out.StartTime = new Date(a.StartTime);
  if (a.EndTime !== undefined) out.EndTime = new Date(a.EndTime);
  if (a.ScalableTargetAction !== undefined) {
    out.ScalableTargetAction = { ...a.ScalableTargetAction };
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Handlers

function checkNamespace(ns: string | undefined): string {
  notNull(ns, "serviceNamespace");
  const namespaces = Object.values(aas.ServiceNamespace) as string[];
  if (!namespaces.includes(ns!)) {
    throw validationException(
      `1 validation error detected: Value '${ns}' at 'serviceNamespace' failed to satisfy constraint: Member must satisfy enum value set: [${
        namespaces.join(", ")
      }]`,
    );
  }
  return ns!;
}

function matches(
  ref: TargetRef,
  resourceId: string | undefined,
  dimension: string | undefined,
): boolean {
  return (resourceId === undefined || ref.ResourceId === resourceId) &&
    (dimension === undefined || ref.ScalableDimension === dimension);
}

/**
 * The Application Auto Scaling operations of the local backend, by operation name, for
 * `localSender("Application Auto Scaling", …)`. Register {@linkcode registerAutoScalingEvents}
 * and the alarm events (`registerAlarmEvents`) on the same runtime.
 *
 * @example Usage
 * ```ts
 * import { autoScalingHandlers } from "./mod.ts";
 * import { localSender } from "../kernel/dispatch.ts";
 * import { LocalRuntime } from "../kernel/context.ts";
 * import { DEFAULT_LOCAL_SETTINGS } from "../kernel/settings.ts";
 * import { Store } from "../kernel/store.ts";
 * import { PutScalingPolicyCommand } from "@aws-sdk/client-application-auto-scaling";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const store = Store.open(dir);
 * const ctx = { store, settings: DEFAULT_LOCAL_SETTINGS, region: "us-east-1", account: "000000000000",
 *   runtime: new LocalRuntime() };
 * const autoscaling = localSender("Application Auto Scaling", ctx, autoScalingHandlers);
 * await assert.rejects(
 *   autoscaling.send(new PutScalingPolicyCommand({
 *     PolicyName: "p", ServiceNamespace: "sagemaker", ResourceId: "endpoint/ep/variant/AllTraffic",
 *     ScalableDimension: "sagemaker:variant:DesiredInstanceCount", PolicyType: "TargetTrackingScaling",
 *     TargetTrackingScalingPolicyConfiguration: { TargetValue: 70,
 *       PredefinedMetricSpecification: { PredefinedMetricType: "SageMakerVariantInvocationsPerInstance" } },
 *   })),
 *   (e: Error) => e.name === "ObjectNotFoundException",
 * );
 * store.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export const autoScalingHandlers: Record<string, OperationHandler> = {
  RegisterScalableTarget(
    input: RegisterScalableTargetRequest,
    ctx: LocalContext,
  ): Omit<RegisterScalableTargetResponse, "$metadata"> {
    const target = registerTarget(ctx, input);
    return { ScalableTargetARN: target.ScalableTargetARN };
  },

  DeregisterScalableTarget(input: DeregisterScalableTargetRequest, ctx: LocalContext) {
    deregisterTarget(ctx, input);
    return {};
  },

  DescribeScalableTargets(
    input: DescribeScalableTargetsRequest,
    ctx: LocalContext,
  ): Omit<DescribeScalableTargetsResponse, "$metadata"> {
    const ids = input.ResourceIds === undefined ? undefined : new Set(input.ResourceIds);
    const { items, ...next } = describePage<TargetRecord>(
      ctx,
      AAS_KIND.target,
      input,
      50,
      (t) =>
        (ids === undefined || ids.has(t.ResourceId)) &&
        matches(t, undefined, input.ScalableDimension),
    );
    return { ScalableTargets: items.map(toScalableTarget), ...next };
  },

  PutScalingPolicy(input: PutScalingPolicyRequest, ctx: LocalContext) {
    return putPolicyHandler(ctx, input);
  },

  DescribeScalingPolicies(
    input: DescribeScalingPoliciesRequest,
    ctx: LocalContext,
  ): Omit<DescribeScalingPoliciesResponse, "$metadata"> {
    const names = input.PolicyNames === undefined ? undefined : new Set(input.PolicyNames);
    const { items, ...next } = describePage<PolicyRecord>(
      ctx,
      AAS_KIND.policy,
      input,
      10,
      (p) =>
        (names === undefined || names.has(p.PolicyName)) &&
        matches(p, input.ResourceId, input.ScalableDimension),
    );
    return { ScalingPolicies: items.map((p) => toScalingPolicy(ctx, p)), ...next };
  },

  DeleteScalingPolicy(input: DeleteScalingPolicyRequest, ctx: LocalContext) {
    notNull(input.PolicyName, "policyName");
    const ref = checkRef(input, "DeleteScalingPolicy");
    ctx.store.tx(() => {
      const policy = ctx.store.getDoc<PolicyRecord>(
        AAS_KIND.policy,
        childKey(ref, input.PolicyName!),
      );
      if (policy === undefined) {
        throw objectNotFound(
          `No scaling policy found for ${describeRef(ref)}, policy name: ${input.PolicyName}`,
        );
      }
      removePolicy(ctx, policy);
    });
    return {};
  },

  PutScheduledAction(input: PutScheduledActionRequest, ctx: LocalContext) {
    putScheduledAction(ctx, input);
    return {};
  },

  DescribeScheduledActions(
    input: DescribeScheduledActionsRequest,
    ctx: LocalContext,
  ): Omit<DescribeScheduledActionsResponse, "$metadata"> {
    const names = input.ScheduledActionNames === undefined
      ? undefined
      : new Set(input.ScheduledActionNames);
    const { items, ...next } = describePage<ScheduledActionRecord>(
      ctx,
      AAS_KIND.scheduledAction,
      input,
      50,
      (a) =>
        (names === undefined || names.has(a.ScheduledActionName)) &&
        matches(a, input.ResourceId, input.ScalableDimension),
    );
    return { ScheduledActions: items.map(toScheduledAction), ...next };
  },

  DeleteScheduledAction(input: DeleteScheduledActionRequest, ctx: LocalContext) {
    notNull(input.ScheduledActionName, "scheduledActionName");
    const ref = checkRef(input, "DeleteScheduledAction");
    ctx.store.tx(() => {
      const id = childKey(ref, input.ScheduledActionName!);
      if (ctx.store.getDoc(AAS_KIND.scheduledAction, id) === undefined) {
        throw objectNotFound(
          `No scheduled action found for ${
            describeRef(ref)
          }, scheduled action name: ${input.ScheduledActionName}`,
        );
      }
      ctx.store.cancelEvents(SCHEDULED_ACTION_EVENT, id);
      ctx.store.deleteDoc(AAS_KIND.scheduledAction, id);
    });
    return {};
  },

  DescribeScalingActivities(
    input: DescribeScalingActivitiesRequest,
    ctx: LocalContext,
  ): Omit<DescribeScalingActivitiesResponse, "$metadata"> {
    const { items, ...next } = describePage<ActivityRecord>(
      ctx,
      AAS_KIND.activity,
      input,
      50,
      (a) =>
        matches(a, input.ResourceId, input.ScalableDimension) &&
        (input.IncludeNotScaledActivities === true || a.NotScaledReasons === undefined),
      true,
    );
    const now = ctx.store.now();
    return { ScalingActivities: items.map((a) => toScalingActivity(a, now)), ...next };
  },
};
