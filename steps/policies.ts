/**
 * Scaling policies of an endpoint variant (section 8a and the step-scaling part of the original):
 * the scalable target, target tracking on InvocationsPerInstance, on CPU and on the
 * high-resolution concurrency metric, step scaling together with the CloudWatch alarm that drives
 * it (the original created the policy without one, so it could never fire), scheduled actions,
 * and clearing everything back to a fixed instance count.
 *
 * @module
 */
import {
  DeleteScheduledActionCommand,
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  DescribeScheduledActionsCommand,
  PutScalingPolicyCommand,
  PutScheduledActionCommand,
  RegisterScalableTargetCommand,
} from "@aws-sdk/client-application-auto-scaling";
import {
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  PutMetricAlarmCommand,
} from "@aws-sdk/client-cloudwatch";
import { pollUntil, progress } from "./wait.ts";
import type { Cloud } from "../cloud/types.ts";
import { InputError } from "./errors.ts";
import { setInstanceCount } from "./endpoint.ts";
import type { CreatedResource, PolicySummary } from "./types.ts";
import {
  type ScheduledActionSpec,
  stepScalingRequests,
  type StepScalingSpec,
  targetTrackingRequest,
  type TargetTrackingSpec,
  type VariantTarget,
} from "./scaling_requests.ts";

export {
  cpuTargetValue,
  type ScheduledActionSpec,
  type StepScalingSpec,
  type TargetTrackingMetric,
  type TargetTrackingSpec,
  type VariantTarget,
} from "./scaling_requests.ts";

const NAMESPACE = "sagemaker";
const DIMENSION = "sagemaker:variant:DesiredInstanceCount";

/**
 * The scalable target's key in Application Auto Scaling requests: namespace, resource id and
 * dimension.
 *
 * @example Usage
 * ```ts
 * import { scalableTargetKey } from "./policies.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(scalableTargetKey("endpoint/e/variant/AllTraffic"), {
 *   ServiceNamespace: "sagemaker",
 *   ResourceId: "endpoint/e/variant/AllTraffic",
 *   ScalableDimension: "sagemaker:variant:DesiredInstanceCount",
 * });
 * ```
 */
export function scalableTargetKey(resourceId: string | undefined) {
  return {
    ServiceNamespace: NAMESPACE,
    ResourceId: resourceId,
    ScalableDimension: DIMENSION,
  } as const;
}

/**
 * The Application Auto Scaling resource id of a variant.
 *
 * @example Usage
 * ```ts
 * import { resourceIdOf } from "./policies.ts";
 * import assert from "node:assert/strict";
 * assert.equal(resourceIdOf({ endpointName: "e", variantName: "AllTraffic" }), "endpoint/e/variant/AllTraffic");
 * ```
 */
export function resourceIdOf(target: VariantTarget): string {
  return `endpoint/${target.endpointName}/variant/${target.variantName}`;
}

/** Where the policy functions record what they create. */
export interface ManifestOption {
  /** Where created resources are recorded as soon as they exist. */
  manifest: CreatedResource[];
}

/** Options of {@linkcode registerScalableTarget}. */
export interface RegisterScalableTargetOptions extends ManifestOption {
  minCapacity: number;
  maxCapacity: number;
  /**
   * Register with dynamic scaling (in and out) suspended.
   * @default {false}
   */
  suspended?: boolean;
}

/**
 * Registers (or updates) the variant as a scalable target between min and max capacity, with
 * dynamic scaling suspended when `suspended` is true (registering again with false resumes it;
 * AWS then evaluates the policies whose alarms are in breach).
 *
 * @example Usage
 * ```ts ignore
 * await registerScalableTarget(cloud, target, { minCapacity: 1, maxCapacity: 4, manifest });
 * ```
 */
export async function registerScalableTarget(
  cloud: Cloud,
  target: VariantTarget,
  options: RegisterScalableTargetOptions,
): Promise<void> {
  const { manifest, ...capacity } = options;
  if (!(Number.isInteger(capacity.minCapacity) && capacity.minCapacity >= 1)) {
    throw new InputError(
      `Cannot register the scalable target: MinCapacity must be an integer >= 1, current value is ${capacity.minCapacity}`,
    );
  }
  if (!(Number.isInteger(capacity.maxCapacity) && capacity.maxCapacity >= capacity.minCapacity)) {
    throw new InputError(
      `Cannot register the scalable target: MaxCapacity (${capacity.maxCapacity}) must be an integer >= MinCapacity (${capacity.minCapacity})`,
    );
  }
  const resourceId = resourceIdOf(target);
  await cloud.autoscaling.send(
    new RegisterScalableTargetCommand({
      ...scalableTargetKey(resourceId),
      MinCapacity: capacity.minCapacity,
      MaxCapacity: capacity.maxCapacity,
      // Suspending dynamic scaling lets policies be put (and their alarms settle) before they act.
      SuspendedState: {
        DynamicScalingInSuspended: capacity.suspended ?? false,
        DynamicScalingOutSuspended: capacity.suspended ?? false,
      },
    }),
  );
  if (!manifest.some((r) => r.kind === "scalable-target" && r.resourceId === resourceId)) {
    manifest.push({ kind: "scalable-target", name: resourceId, resourceId });
  }
}

/** Options of {@linkcode putTargetTracking}. */
export interface PutTargetTrackingOptions extends ManifestOption {
  /** The policy. */
  spec: TargetTrackingSpec;
  /** The variant's instance type (a CPU target is per vCPU). */
  instanceType: string;
}

/**
 * Puts one target-tracking policy; its AlarmHigh/AlarmLow are created (and deleted) by AAS.
 *
 * @example Usage
 * ```ts ignore
 * await putTargetTracking(cloud, target, {
 *   spec: { metric: "cpu", target: 50 }, instanceType: "ml.c5.large", manifest,
 * });
 * ```
 */
export async function putTargetTracking(
  cloud: Cloud,
  target: VariantTarget,
  options: PutTargetTrackingOptions,
): Promise<PolicySummary> {
  const { spec, instanceType, manifest } = options;
  const request = targetTrackingRequest(target, spec, { instanceType });
  const resourceId = resourceIdOf(target);
  const name = request.PolicyName!;
  const targetValue = request.TargetTrackingScalingPolicyConfiguration!.TargetValue!;
  const out = await cloud.autoscaling.send(
    new PutScalingPolicyCommand({ ...request, ...scalableTargetKey(resourceId) }),
  );
  manifest.push({ kind: "scaling-policy", name, resourceId, arn: out.PolicyARN });
  return {
    name,
    arn: out.PolicyARN ?? "",
    type: "TargetTrackingScaling",
    metric: spec.metric === "cpu"
      ? "CPUUtilization"
      : spec.metric === "invocations"
      ? "InvocationsPerInstance"
      : "ConcurrentRequestsPerModel",
    targetValue,
    alarmNames: (out.Alarms ?? []).map((a) => a.AlarmName ?? ""),
  };
}

/**
 * The original's step policy (+1, +3, +4 instances), with bounds it never had a threshold for.
 * Here the bounds are fractions of the threshold in invocations per instance per minute: up to 5 %
 * above: +1; 5 % to 80 % above: +3; 80 % or more above: +4. The alarm fires after one minute above
 * the threshold (target tracking waits for three), which is what makes step scaling the faster
 * reaction at a fast ramp.
 *
 * @example Usage
 * ```ts
 * import { originalStepScaling } from "./policies.ts";
 * import assert from "node:assert/strict";
 * const spec = originalStepScaling(1000);
 * assert.deepEqual(spec.steps.map((s) => s.adjustment), [1, 3, 4]);
 * assert.equal(spec.steps[1].lower, 50);
 * ```
 */
export function originalStepScaling(threshold: number): StepScalingSpec {
  return {
    label: "step-invocations",
    threshold,
    steps: [
      { lower: 0, upper: threshold * 0.05, adjustment: 1 },
      { lower: threshold * 0.05, upper: threshold * 0.8, adjustment: 3 },
      { lower: threshold * 0.8, adjustment: 4 },
    ],
    cooldown: 120,
    evaluationPeriods: 1,
  };
}

/** Options of {@linkcode putStepScaling}. */
export interface PutStepScalingOptions extends ManifestOption {
  /** The policy and its alarm. */
  spec: StepScalingSpec;
}

/**
 * Puts a step-scaling policy AND the CloudWatch alarm that invokes it.
 *
 * @example Usage
 * ```ts ignore
 * await putStepScaling(cloud, target, { spec: originalStepScaling(600), manifest });
 * ```
 */
export async function putStepScaling(
  cloud: Cloud,
  target: VariantTarget,
  options: PutStepScalingOptions,
): Promise<PolicySummary> {
  const { spec, manifest } = options;
  const { policy, alarm } = stepScalingRequests(target, spec);
  const resourceId = resourceIdOf(target);
  const name = policy.PolicyName!;
  const out = await cloud.autoscaling.send(
    new PutScalingPolicyCommand({ ...policy, ...scalableTargetKey(resourceId) }),
  );
  manifest.push({ kind: "scaling-policy", name, resourceId, arn: out.PolicyARN });
  const alarmName = alarm.AlarmName!;
  await cloud.cloudwatch.send(
    new PutMetricAlarmCommand({ ...alarm, AlarmActions: [out.PolicyARN!] }),
  );
  manifest.push({ kind: "alarm", name: alarmName });
  return {
    name,
    arn: out.PolicyARN ?? "",
    type: "StepScaling",
    metric: "InvocationsPerInstance",
    targetValue: spec.threshold,
    alarmNames: [alarmName],
  };
}

/** Options of {@linkcode putScheduledAction}. */
export interface PutScheduledActionOptions extends ManifestOption {
  /** The action. */
  spec: ScheduledActionSpec;
}

/**
 * Puts a scheduled action on the variant.
 *
 * @example Usage
 * ```ts ignore
 * await putScheduledAction(cloud, target, {
 *   spec: { name: "morning", schedule: "cron(0 8 * * ? *)", minCapacity: 4 }, manifest,
 * });
 * ```
 */
export async function putScheduledAction(
  cloud: Cloud,
  target: VariantTarget,
  options: PutScheduledActionOptions,
): Promise<string> {
  const { spec, manifest } = options;
  const resourceId = resourceIdOf(target);
  await cloud.autoscaling.send(
    new PutScheduledActionCommand({
      ...scalableTargetKey(resourceId),
      ScheduledActionName: spec.name,
      Schedule: spec.schedule,
      Timezone: spec.timezone ?? "UTC",
      ScalableTargetAction: { MinCapacity: spec.minCapacity, MaxCapacity: spec.maxCapacity },
    }),
  );
  manifest.push({ kind: "scheduled-action", name: spec.name, resourceId });
  return spec.name;
}

/** Options of {@linkcode clearAndReset}. */
export interface ClearAndResetOptions extends ManifestOption {
  /** The instance count to reset the variant to. */
  instanceCount: number;
  /**
   * Milliseconds between DescribeEndpoint polls while the count changes.
   * @default {30000}
   */
  pollIntervalMs?: number;
}

/**
 * Clears the variant's auto scaling and resets it to an instance count (the original's
 * `clear_auto_scaling_and_reset_to_initialCount`, done completely): deletes scheduled actions,
 * deregisters the scalable target (which deletes its policies and the alarms target tracking made),
 * deletes the step alarms it was given (deregistering does not), sets the instance count and waits
 * for InService (a Failed endpoint is an error). The manifest entries of what it deleted go.
 *
 * @example Usage
 * ```ts ignore
 * await clearAndReset(cloud, target, { instanceCount: 1, manifest });
 * ```
 */
export async function clearAndReset(
  cloud: Cloud,
  target: VariantTarget,
  options: ClearAndResetOptions,
): Promise<void> {
  const { instanceCount, manifest, pollIntervalMs } = options;
  const resourceId = resourceIdOf(target);
  const registered = await cloud.autoscaling.send(
    new DescribeScalableTargetsCommand({
      ServiceNamespace: NAMESPACE,
      ResourceIds: [resourceId],
      ScalableDimension: DIMENSION,
    }),
  );
  if ((registered.ScalableTargets ?? []).length > 0) {
    const actions = await cloud.autoscaling.send(
      new DescribeScheduledActionsCommand({
        ...scalableTargetKey(resourceId),
      }),
    );
    for (const a of actions.ScheduledActions ?? []) {
      await cloud.autoscaling.send(
        new DeleteScheduledActionCommand({
          ...scalableTargetKey(resourceId),
          ScheduledActionName: a.ScheduledActionName,
        }),
      );
    }
    // Policies go with the target; read them first to know which user alarms point at them.
    const policies = await cloud.autoscaling.send(
      new DescribeScalingPoliciesCommand({
        ...scalableTargetKey(resourceId),
      }),
    );
    await cloud.autoscaling.send(
      new DeregisterScalableTargetCommand({
        ...scalableTargetKey(resourceId),
      }),
    );
    const policyNames = new Set((policies.ScalingPolicies ?? []).map((p) => p.PolicyName));
    removeFromManifest(manifest, (r) =>
      r.resourceId === resourceId &&
      (r.kind === "scalable-target" || r.kind === "scheduled-action" ||
        (r.kind === "scaling-policy" && policyNames.has(r.name))));
  }
  const stepAlarms = manifest.filter((r) =>
    r.kind === "alarm" && r.name.startsWith(`${target.endpointName}-`)
  );
  if (stepAlarms.length > 0) {
    await cloud.cloudwatch.send(
      new DeleteAlarmsCommand({ AlarmNames: stepAlarms.map((a) => a.name) }),
    );
    removeFromManifest(manifest, (r) => stepAlarms.includes(r));
  }
  await setInstanceCount(cloud, {
    step: "scale",
    endpointName: target.endpointName,
    variantName: target.variantName,
    instanceCount,
    pollIntervalMs,
  });
}

function removeFromManifest(
  manifest: CreatedResource[],
  drop: (r: CreatedResource) => boolean,
): void {
  for (let i = manifest.length - 1; i >= 0; i--) if (drop(manifest[i])) manifest.splice(i, 1);
}

/**
 * Waits until none of the scale-out alarms (those breaching above their threshold:
 * `GreaterThan…`) is in ALARM. A freshly put policy's alarms evaluate the most recent
 * datapoints, which after an earlier evaluation are that run's traffic: starting the next
 * evaluation before they age out would scale out on the previous run's load (the original never
 * waited, so its later runs started with a head start or a handicap). Scale-in alarms are not
 * waited for: an idle endpoint publishes zero-valued invocation metrics, so a target-tracking
 * AlarmLow stays in ALARM for as long as it is idle, and the capacity is already MinCapacity.
 */
export async function waitForQuietAlarms(
  cloud: Cloud,
  alarmNames: readonly string[],
  options: { pollIntervalMs?: number; timeoutMs?: number } = {},
): Promise<void> {
  if (alarmNames.length === 0) return;
  const started = cloud.clock.now().getTime();
  // New alarms start in INSUFFICIENT_DATA and are first evaluated within a minute, on datapoints
  // published a minute late: give them two minutes before asking.
  await cloud.clock.sleep(120_000);
  await pollUntil(
    cloud.clock,
    async () => {
      const states: string[] = [];
      for (let i = 0; i < alarmNames.length; i += 100) {
        const page = await cloud.cloudwatch.send(
          new DescribeAlarmsCommand({ AlarmNames: alarmNames.slice(i, i + 100) }),
        );
        states.push(
          ...(page.MetricAlarms ?? [])
            .filter((a) => !(a.ComparisonOperator ?? "").startsWith("LessThan"))
            .map((a) => a.StateValue ?? ""),
        );
      }
      return states;
    },
    {
      done: (states) => !states.includes("ALARM"),
      what: `the scale-out alarms among ${alarmNames.join(", ")} to leave ALARM`,
      intervalMs: options.pollIntervalMs ?? 60_000,
      timeoutMs: options.timeoutMs ?? 1_800_000,
    },
  );
  const waited = Math.round((cloud.clock.now().getTime() - started) / 60_000);
  if (waited > 0) {
    progress(
      "scale",
      `waited ${waited} min for the previous run's datapoints to age out of the alarms`,
    );
  }
}
