/**
 * How the local Application Auto Scaling keeps its state: scalable targets, scaling policies,
 * scheduled actions and scaling activities as store documents, their ARNs, AWS's error objects,
 * and the activity records DescribeScalingActivities reports (spec autoscaling.md §7, AAS-ACT).
 *
 * @module
 */
import * as aas from "@aws-sdk/client-application-auto-scaling";
import type { ScalingActivity } from "@aws-sdk/client-application-auto-scaling";
import { arnPrefix, type LocalContext } from "../kernel/context.ts";
import { errorFactory } from "../kernel/errors.ts";
import type {
  AdjustmentType,
  MetricAggregationType,
  StepAdjustment,
} from "../../../sim/step_scaling.ts";
import type { NotScaledReason, PolicyCooldown } from "../../../sim/scaling_math.ts";

/** Builds Application Auto Scaling's own exception objects (`ValidationException`, `ObjectNotFoundException`...). */
export const aasError = errorFactory(aas, aas.ApplicationAutoScalingServiceException);

/**
 * AAS's `ValidationException`.
 *
 * @example Usage
 * ```ts
 * import { validationException } from "./records.ts";
 * import { ValidationException } from "@aws-sdk/client-application-auto-scaling";
 * import assert from "node:assert/strict";
 * assert.ok(validationException("bad") instanceof ValidationException);
 * ```
 */
export function validationException(message: string): Error {
  return aasError("ValidationException", message, 400);
}

/**
 * AAS's `ObjectNotFoundException`.
 *
 * @example Usage
 * ```ts
 * import { objectNotFound } from "./records.ts";
 * import assert from "node:assert/strict";
 * assert.equal(objectNotFound("No scalable target found").name, "ObjectNotFoundException");
 * ```
 */
export function objectNotFound(message: string): Error {
  return aasError("ObjectNotFoundException", message, 400);
}

/** Store kinds. */
export const AAS_KIND = {
  target: "aas-scalable-target",
  policy: "aas-scaling-policy",
  scheduledAction: "aas-scheduled-action",
  activity: "aas-scaling-activity",
} as const;

/** The only namespace and dimension the local backend scales (spec §1). */
export const SAGEMAKER_NAMESPACE = "sagemaker";
/** A SageMaker variant's instance count. */
export const VARIANT_DIMENSION = "sagemaker:variant:DesiredInstanceCount";

/** Identifies a scalable target. */
export interface TargetRef {
  ServiceNamespace: string;
  ResourceId: string;
  ScalableDimension: string;
}

/**
 * The store id of a target (and the prefix of its policies' and scheduled actions' ids).
 *
 * @example Usage
 * ```ts
 * import { targetDocId } from "./records.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   targetDocId({ ServiceNamespace: "sagemaker", ResourceId: "endpoint/ep/variant/v",
 *     ScalableDimension: "sagemaker:variant:DesiredInstanceCount" }),
 *   "sagemaker/sagemaker%3Avariant%3ADesiredInstanceCount/endpoint%2Fep%2Fvariant%2Fv",
 * );
 * ```
 */
export function targetDocId(ref: TargetRef): string {
  return [ref.ServiceNamespace, ref.ScalableDimension, ref.ResourceId].map(encodeURIComponent)
    .join("/");
}

/**
 * A child document id under a target: `<targetDocId>/<encoded name>`.
 *
 * @example Usage
 * ```ts
 * import { childKey, targetDocId } from "./records.ts";
 * import assert from "node:assert/strict";
 * const ref = { ServiceNamespace: "sagemaker", ResourceId: "endpoint/ep/variant/v",
 *   ScalableDimension: "sagemaker:variant:DesiredInstanceCount" };
 * assert.equal(childKey(ref, "my policy"), `${targetDocId(ref)}/my%20policy`);
 * ```
 */
export function childKey(ref: TargetRef, name: string): string {
  return `${targetDocId(ref)}/${encodeURIComponent(name)}`;
}

/**
 * The endpoint and variant of a SageMaker variant ResourceId, or undefined when it is not one.
 *
 * @example Usage
 * ```ts
 * import { parseVariantResourceId } from "./records.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseVariantResourceId("endpoint/ep/variant/AllTraffic"),
 *   { endpointName: "ep", variantName: "AllTraffic" });
 * assert.equal(parseVariantResourceId("service/cluster/web"), undefined);
 * ```
 */
export function parseVariantResourceId(
  resourceId: string,
): { endpointName: string; variantName: string } | undefined {
  const m = /^endpoint\/([^/]+)\/variant\/([^/]+)$/.exec(resourceId);
  return m ? { endpointName: m[1], variantName: m[2] } : undefined;
}

/** A registered scalable target. */
export interface TargetRecord extends TargetRef {
  MinCapacity: number;
  MaxCapacity: number;
  RoleARN: string;
  CreationTime: number;
  SuspendedState: {
    DynamicScalingInSuspended: boolean;
    DynamicScalingOutSuspended: boolean;
    ScheduledScalingSuspended: boolean;
  };
  ScalableTargetARN: string;
  Tags?: Record<string, string>;
}

/** The metric a target-tracking policy's alarms watch. */
export interface AlarmMetricRecord {
  Namespace: string;
  MetricName: string;
  Dimensions: { Name: string; Value: string }[];
  Statistic: string;
  Unit?: string;
  /** 10 s alarms (the high-resolution predefined metric) or 60 s ones. */
  highResolution: boolean;
}

/** A stored scaling policy: the API fields plus local state. */
export interface PolicyRecord extends TargetRef {
  PolicyName: string;
  PolicyARN: string;
  PolicyType: "StepScaling" | "TargetTrackingScaling";
  CreationTime: number;
  /** As given (returned by DescribeScalingPolicies). */
  StepScalingPolicyConfiguration?: {
    AdjustmentType?: AdjustmentType;
    StepAdjustments?: StepAdjustment[];
    MinAdjustmentMagnitude?: number;
    Cooldown?: number;
    MetricAggregationType?: MetricAggregationType;
  };
  /** As given (returned by DescribeScalingPolicies). */
  // deno-lint-ignore no-explicit-any
  TargetTrackingScalingPolicyConfiguration?: Record<string, any>;
  /** The alarms target tracking created: the AlarmHigh, then the AlarmLow (if scale-in is enabled). */
  Alarms: { AlarmName: string; AlarmARN: string }[];
  /** Target tracking: the metric its alarms watch. */
  trackedMetric?: AlarmMetricRecord;
  /** Cooldown state (spec §1.3, §3). */
  cooldown: PolicyCooldown;
}

/** A stored scheduled action. */
export interface ScheduledActionRecord extends TargetRef {
  ScheduledActionName: string;
  ScheduledActionARN: string;
  Schedule: string;
  Timezone?: string;
  StartTime?: number;
  EndTime?: number;
  ScalableTargetAction?: { MinCapacity?: number; MaxCapacity?: number };
  CreationTime: number;
  /** When it fires next (epoch ms), if ever. */
  nextFire?: number;
}

/** A stored scaling activity. */
export interface ActivityRecord extends TargetRef {
  ActivityId: string;
  Description: string;
  Cause: string;
  StartTime: number;
  /** A capacity change: InProgress until then, Successful after. */
  completesAt?: number;
  /** The instance count asked for (capacity changes). */
  desiredCount?: number;
  /** Set for activities that are final at once (min/max changes, failures, not scaled). */
  StatusCode?: "Successful" | "Failed";
  StatusMessage?: string;
  /** Not-scaled activities appear only with IncludeNotScaledActivities. */
  NotScaledReasons?: NotScaledReason[];
}

/**
 * A new scalable target ARN: `arn:aws:application-autoscaling:<region>:<account>:scalable-target/<id>`.
 *
 * @example Usage
 * ```ts
 * import { scalableTargetArn } from "./records.ts";
 * import assert from "node:assert/strict";
 * const ctx = { region: "us-east-1", account: "000000000000" } as Parameters<typeof scalableTargetArn>[0];
 * assert.match(scalableTargetArn(ctx), /^arn:aws:application-autoscaling:us-east-1:000000000000:scalable-target\/[0-9a-f]{28}$/);
 * ```
 */
export function scalableTargetArn(ctx: LocalContext): string {
  const id = crypto.randomUUID().replaceAll("-", "").slice(0, 28);
  return `${arnPrefix(ctx, "application-autoscaling")}scalable-target/${id}`;
}

/**
 * A scaling policy's ARN (AAS-PUT): `arn:aws:autoscaling:<region>:<account>:scalingPolicy:<uuid>:resource/<namespace>/<resourceId>:policyName/<name>`.
 *
 * @example Usage
 * ```ts
 * import { policyArn } from "./records.ts";
 * import assert from "node:assert/strict";
 * const ctx = { region: "us-east-1", account: "000000000000" } as Parameters<typeof policyArn>[0];
 * assert.equal(
 *   policyArn(ctx, { ref: { ServiceNamespace: "sagemaker", ResourceId: "endpoint/ep/variant/v",
 *     ScalableDimension: "sagemaker:variant:DesiredInstanceCount" }, name: "p", uuid: "0000" }),
 *   "arn:aws:autoscaling:us-east-1:000000000000:scalingPolicy:0000:resource/sagemaker/endpoint/ep/variant/v:policyName/p",
 * );
 * ```
 */
export function policyArn(
  ctx: LocalContext,
  policy: { ref: TargetRef; name: string; uuid: string },
): string {
  const { ref, name, uuid } = policy;
  return `${
    arnPrefix(ctx, "autoscaling")
  }scalingPolicy:${uuid}:resource/${ref.ServiceNamespace}/${ref.ResourceId}:policyName/${name}`;
}

/**
 * A new scheduled action's ARN, in the same pattern as a policy's.
 *
 * @example Usage
 * ```ts
 * import { scheduledActionArn } from "./records.ts";
 * import assert from "node:assert/strict";
 * const ctx = { region: "us-east-1", account: "000000000000" } as Parameters<typeof scheduledActionArn>[0];
 * const ref = { ServiceNamespace: "sagemaker", ResourceId: "endpoint/ep/variant/v",
 *   ScalableDimension: "sagemaker:variant:DesiredInstanceCount" };
 * assert.match(scheduledActionArn(ctx, { ref, name: "nightly" }),
 *   /:scheduledAction:[0-9a-f-]{36}:resource\/sagemaker\/endpoint\/ep\/variant\/v:scheduledActionName\/nightly$/);
 * ```
 */
export function scheduledActionArn(
  ctx: LocalContext,
  action: { ref: TargetRef; name: string },
): string {
  const { ref, name } = action;
  return `${
    arnPrefix(ctx, "autoscaling")
  }scheduledAction:${crypto.randomUUID()}:resource/${ref.ServiceNamespace}/${ref.ResourceId}:scheduledActionName/${name}`;
}

/**
 * The policy ARN an alarm action names, without target tracking's `:createdBy/<uuid>` suffix.
 *
 * @example Usage
 * ```ts
 * import { basePolicyArn } from "./records.ts";
 * import assert from "node:assert/strict";
 * assert.equal(basePolicyArn("arn:aws:autoscaling:r:1:scalingPolicy:u:resource/x:policyName/p:createdBy/c"),
 *   "arn:aws:autoscaling:r:1:scalingPolicy:u:resource/x:policyName/p");
 * ```
 */
export function basePolicyArn(actionArn: string): string {
  return actionArn.replace(/:createdBy\/[^:]+$/, "");
}

/**
 * Reads a registered scalable target.
 *
 * @example Usage
 * ```ts
 * import { AAS_KIND, getTarget, targetDocId } from "./records.ts";
 * import { Store } from "../kernel/store/mod.ts";
 * import { LocalRuntime } from "../kernel/context.ts";
 * import { DEFAULT_LOCAL_SETTINGS } from "../kernel/settings.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const store = Store.open(dir);
 * const ctx = { store, settings: DEFAULT_LOCAL_SETTINGS, region: "us-east-1", account: "000000000000",
 *   runtime: new LocalRuntime() };
 * const ref = { ServiceNamespace: "sagemaker", ResourceId: "endpoint/ep/variant/v",
 *   ScalableDimension: "sagemaker:variant:DesiredInstanceCount" };
 * assert.equal(getTarget(ctx, ref), undefined);
 * store.putDoc(AAS_KIND.target, targetDocId(ref), { ...ref, MinCapacity: 1, MaxCapacity: 2 });
 * assert.equal(getTarget(ctx, ref)?.MaxCapacity, 2);
 * store.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function getTarget(ctx: LocalContext, ref: TargetRef): TargetRecord | undefined {
  return ctx.store.getDoc<TargetRecord>(AAS_KIND.target, targetDocId(ref));
}

/**
 * The policies of a target, by name order.
 *
 * @example Usage
 * ```ts
 * import { putPolicy, targetPolicies } from "./records.ts";
 * import { Store } from "../kernel/store/mod.ts";
 * import { LocalRuntime } from "../kernel/context.ts";
 * import { DEFAULT_LOCAL_SETTINGS } from "../kernel/settings.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const store = Store.open(dir);
 * const ctx = { store, settings: DEFAULT_LOCAL_SETTINGS, region: "us-east-1", account: "000000000000",
 *   runtime: new LocalRuntime() };
 * const ref = { ServiceNamespace: "sagemaker", ResourceId: "endpoint/ep/variant/v",
 *   ScalableDimension: "sagemaker:variant:DesiredInstanceCount" };
 * for (const name of ["b", "a"]) {
 *   putPolicy(ctx, { ...ref, PolicyName: name, PolicyARN: name, PolicyType: "StepScaling",
 *     CreationTime: 0, Alarms: [], cooldown: {} });
 * }
 * assert.deepEqual(targetPolicies(ctx, ref).map((p) => p.PolicyName), ["a", "b"]);
 * store.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function targetPolicies(ctx: LocalContext, ref: TargetRef): PolicyRecord[] {
  return ctx.store.listDocs<PolicyRecord>(AAS_KIND.policy, `${targetDocId(ref)}/`).map((d) =>
    d.doc
  );
}

/**
 * Finds a policy by its ARN (as an alarm action names it, with or without `:createdBy/…`), to
 * read: the record is frozen.
 *
 * @example Usage
 * ```ts
 * import { findPolicyByArn, policyArn, putPolicy } from "./records.ts";
 * import { Store } from "../kernel/store/mod.ts";
 * import { LocalRuntime } from "../kernel/context.ts";
 * import { DEFAULT_LOCAL_SETTINGS } from "../kernel/settings.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const store = Store.open(dir);
 * const ctx = { store, settings: DEFAULT_LOCAL_SETTINGS, region: "us-east-1", account: "000000000000",
 *   runtime: new LocalRuntime() };
 * const ref = { ServiceNamespace: "sagemaker", ResourceId: "endpoint/ep/variant/v",
 *   ScalableDimension: "sagemaker:variant:DesiredInstanceCount" };
 * const arn = policyArn(ctx, { ref, name: "p", uuid: "00000000-0000-4000-8000-000000000000" });
 * putPolicy(ctx, { ...ref, PolicyName: "p", PolicyARN: arn, PolicyType: "TargetTrackingScaling",
 *   CreationTime: 0, Alarms: [], cooldown: {} });
 * assert.equal(findPolicyByArn(ctx, `${arn}:createdBy/1234`)?.PolicyName, "p");
 * assert.equal(findPolicyByArn(ctx, arn.replace("policyName/p", "policyName/q")), undefined);
 * store.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function findPolicyByArn(
  ctx: LocalContext,
  arn: string,
): Readonly<PolicyRecord> | undefined {
  const base = basePolicyArn(arn);
  const m = /:resource\/([^/]+)\/(.+):policyName\/(.+)$/.exec(base);
  if (!m) return undefined;
  // Read only (a frozen record: alarms invoke policies every minute while they stay in ALARM).
  if (m[1] === SAGEMAKER_NAMESPACE) {
    // The one dimension of a variant: read the policy by its key.
    const ref = { ServiceNamespace: m[1], ResourceId: m[2], ScalableDimension: VARIANT_DIMENSION };
    const direct = ctx.store.peekDoc<PolicyRecord>(AAS_KIND.policy, childKey(ref, m[3]));
    if (direct?.PolicyARN === base) return direct;
  }
  // The dimension is not in the ARN: look through the namespace's policies with that resource.
  return ctx.store.peekDocs<PolicyRecord>(AAS_KIND.policy, `${encodeURIComponent(m[1])}/`)
    .map((d) => d.doc)
    .find((p) => p.PolicyARN === base);
}

/** Writes a policy (example: {@linkcode targetPolicies}). */
export function putPolicy(ctx: LocalContext, policy: PolicyRecord): void {
  ctx.store.putDoc(AAS_KIND.policy, childKey(policy, policy.PolicyName), policy);
}

/**
 * Records a scaling activity; returns it. Ids sort by namespace then start time (then a
 * store-wide counter), so DescribeScalingActivities lists newest first by reading them backwards.
 *
 * @example Usage
 * ```ts
 * import { AAS_KIND, recordActivity } from "./records.ts";
 * import { Store } from "../kernel/store/mod.ts";
 * import { LocalRuntime } from "../kernel/context.ts";
 * import { DEFAULT_LOCAL_SETTINGS } from "../kernel/settings.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const store = Store.open(dir);
 * const ctx = { store, settings: DEFAULT_LOCAL_SETTINGS, region: "us-east-1", account: "000000000000",
 *   runtime: new LocalRuntime() };
 * const ref = { ServiceNamespace: "sagemaker", ResourceId: "endpoint/ep/variant/v",
 *   ScalableDimension: "sagemaker:variant:DesiredInstanceCount" };
 * recordActivity(ctx, { ref, fields: { Description: "first", Cause: "c", StatusCode: "Successful" } });
 * recordActivity(ctx, { ref, fields: { Description: "second", Cause: "c", StatusCode: "Successful" } });
 * const ids = store.listDocs<{ Description: string }>(AAS_KIND.activity).map((d) => d.doc.Description);
 * assert.deepEqual(ids, ["first", "second"]);
 * store.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function recordActivity(
  ctx: LocalContext,
  request: {
    ref: TargetRef;
    fields: Omit<ActivityRecord, keyof TargetRef | "ActivityId" | "StartTime">;
  },
): ActivityRecord {
  const { ref, fields } = request;
  const now = ctx.store.now();
  const prefix = `${encodeURIComponent(ref.ServiceNamespace)}/${String(now).padStart(15, "0")}/`;
  // The runtime's sequence ids order activities of the same millisecond (kernel/ids.ts).
  const seq = ctx.runtime.ids.next();
  const activity: ActivityRecord = {
    ServiceNamespace: ref.ServiceNamespace,
    ResourceId: ref.ResourceId,
    ScalableDimension: ref.ScalableDimension,
    ActivityId: crypto.randomUUID(),
    StartTime: now,
    ...fields,
  };
  ctx.store.putDoc(AAS_KIND.activity, `${prefix}${seq}`, activity);
  return activity;
}

/**
 * An activity as DescribeScalingActivities returns it at `now`. A capacity change is InProgress
 * ("Waiting for change to be fulfilled by sagemaker.") until SageMaker finishes the update, then
 * Successful ("Change successfully fulfilled by sagemaker.") with that EndTime [OBS] AAS-ACT and
 * spec §7; the cooldown clock starts at the same moment (spec §1.3, §9.5). An activity that is
 * final at once (not scaled, failed, a bounds change) has its StartTime as EndTime.
 *
 * @example Usage
 * ```ts
 * import { toScalingActivity } from "./records.ts";
 * import assert from "node:assert/strict";
 * const a = { ServiceNamespace: "sagemaker", ResourceId: "endpoint/ep/variant/v",
 *   ScalableDimension: "sagemaker:variant:DesiredInstanceCount", ActivityId: "id",
 *   Description: "Setting desired instance count to 3.", Cause: "c", StartTime: 0,
 *   completesAt: 240_000, desiredCount: 3 };
 * assert.equal(toScalingActivity(a, 1_000).StatusCode, "InProgress");
 * assert.equal(toScalingActivity(a, 240_000).StatusMessage,
 *   "Successfully set desired instance count to 3. Change successfully fulfilled by sagemaker.");
 * ```
 */
export function toScalingActivity(a: ActivityRecord, now: number): ScalingActivity {
  const out: ScalingActivity = {
    ActivityId: a.ActivityId,
    ServiceNamespace: a.ServiceNamespace as aas.ServiceNamespace,
    ResourceId: a.ResourceId,
    ScalableDimension: a.ScalableDimension as aas.ScalableDimension,
    Description: a.Description,
    Cause: a.Cause,
    StartTime: new Date(a.StartTime),
    StatusCode: a.StatusCode ?? "Successful",
  };
  if (a.completesAt !== undefined && a.StatusCode === undefined) {
    const done = now >= a.completesAt;
    out.StatusCode = done ? "Successful" : "InProgress";
    out.StatusMessage = done
      ? `Successfully set desired instance count to ${a.desiredCount}. Change successfully fulfilled by sagemaker.`
      : `Successfully set desired instance count to ${a.desiredCount}. Waiting for change to be fulfilled by sagemaker.`;
    if (done) out.EndTime = new Date(a.completesAt);
  } else {
    if (a.StatusMessage !== undefined) out.StatusMessage = a.StatusMessage;
    // Final at once (not scaled, failed, a min/max change): it ended when it started, as the
    // not-scaled activities of AWS's example responses show (AAS-ACT: "Scaling activities for
    // Application Auto Scaling", DescribeScalingActivities --include-not-scaled-activities).
    if (a.StatusCode !== undefined) out.EndTime = new Date(a.StartTime);
  }
  if (a.NotScaledReasons !== undefined) {
    out.NotScaledReasons = a.NotScaledReasons.map((r) => ({ ...r }));
  }
  return out;
}
