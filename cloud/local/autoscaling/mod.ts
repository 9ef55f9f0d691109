/**
 * The local Application Auto Scaling stand-in on the real
 * `@aws-sdk/client-application-auto-scaling` commands: RegisterScalableTarget,
 * DeregisterScalableTarget, DescribeScalableTargets, PutScalingPolicy, DescribeScalingPolicies,
 * DeleteScalingPolicy, PutScheduledAction, DescribeScheduledActions, DeleteScheduledAction and
 * DescribeScalingActivities, for SageMaker endpoint variants
 * (`sagemaker` / `sagemaker:variant:DesiredInstanceCount` / `endpoint/<ep>/variant/<v>`).
 * What happens on the simulated clock is in `engine.ts`; the store's records in `records.ts`;
 * the operations on targets, policies and scheduled actions in `targets.ts`, `policies.ts` and
 * `scheduled.ts`, their shared request checks in `validate.ts`. This file is the handler table.
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
 *   `sim/step_scaling.ts` apply (ValidationException), MinAdjustmentMagnitude only with
 *   PercentChangeInCapacity, Cooldown defaults to 300 s (spec §3).
 * - Quotas (AAS-QUOTA): 50 policies and 200 scheduled actions per target.
 * - Target-tracking policies of one target must track different metrics (spec §1.4 [DOC]); the
 *   ValidationException's wording is [INF]. DescribeScalingPolicies lists, for a step policy, the
 *   alarms whose actions invoke it (empty while it is unwired).
 *
 * @module
 */
import type { LocalContext } from "../kernel/context.ts";
import type { HandlerMap } from "../kernel/dispatch.ts";
import { SCHEDULED_ACTION_EVENT } from "./engine.ts";
import { putPolicyHandler, toScalingPolicy } from "./policies.ts";
import {
  AAS_KIND,
  type ActivityRecord,
  childKey,
  objectNotFound,
  type PolicyRecord,
  type ScheduledActionRecord,
  targetDocId,
  type TargetRecord,
  type TargetRef,
  toScalingActivity,
  VARIANT_DIMENSION,
} from "./records.ts";
import { putScheduledAction, toScheduledAction } from "./scheduled.ts";
import { deregisterTarget, registerTarget, removePolicy, toScalableTarget } from "./targets.ts";
import { checkRef, describePage, describeRef, notNull } from "./validate.ts";
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
  PutScheduledActionRequest,
  RegisterScalableTargetRequest,
  RegisterScalableTargetResponse,
} from "@aws-sdk/client-application-auto-scaling";
import { registerAutoScalingEvents } from "./events.ts";

export { registerAutoScalingEvents };

/**
 * The scalable target registered for a SageMaker variant, if any (read only), for services that
 * ask whether an endpoint can still scale.
 */
export function variantScalableTarget(
  ctx: LocalContext,
  variant: { endpointName: string; variantName: string },
): Readonly<TargetRecord> | undefined {
  return ctx.store.peekDoc<TargetRecord>(
    AAS_KIND.target,
    targetDocId({
      ServiceNamespace: "sagemaker",
      ResourceId: `endpoint/${variant.endpointName}/variant/${variant.variantName}`,
      ScalableDimension: VARIANT_DIMENSION,
    }),
  );
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
 * `localSender(ctx, { service: "Application Auto Scaling", handlers })`. Register {@linkcode registerAutoScalingEvents}
 * and the alarm events (`registerAlarmEvents`) on the same runtime.
 *
 * @example Usage
 * ```ts
 * import { autoScalingHandlers } from "./mod.ts";
 * import { localSender } from "../kernel/dispatch.ts";
 * import { LocalRuntime } from "../kernel/context.ts";
 * import { DEFAULT_LOCAL_SETTINGS } from "../kernel/settings.ts";
 * import { Store } from "../kernel/store/mod.ts";
 * import { PutScalingPolicyCommand } from "@aws-sdk/client-application-auto-scaling";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const store = Store.open(dir);
 * const ctx = { store, settings: DEFAULT_LOCAL_SETTINGS, region: "us-east-1", account: "000000000000",
 *   runtime: new LocalRuntime() };
 * const autoscaling = localSender(ctx, { service: "Application Auto Scaling", handlers: autoScalingHandlers });
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
export const autoScalingHandlers: HandlerMap = {
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
    const { items, ...next } = describePage<TargetRecord>(ctx, {
      kind: AAS_KIND.target,
      input,
      limit: 50,
      keep: (t) =>
        (ids === undefined || ids.has(t.ResourceId)) &&
        matches(t, undefined, input.ScalableDimension),
    });
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
    const { items, ...next } = describePage<PolicyRecord>(ctx, {
      kind: AAS_KIND.policy,
      input,
      limit: 10,
      keep: (p) =>
        (names === undefined || names.has(p.PolicyName)) &&
        matches(p, input.ResourceId, input.ScalableDimension),
    });
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
    const { items, ...next } = describePage<ScheduledActionRecord>(ctx, {
      kind: AAS_KIND.scheduledAction,
      input,
      limit: 50,
      keep: (a) =>
        (names === undefined || names.has(a.ScheduledActionName)) &&
        matches(a, input.ResourceId, input.ScalableDimension),
    });
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
    const { items, ...next } = describePage<ActivityRecord>(ctx, {
      kind: AAS_KIND.activity,
      input,
      limit: 50,
      keep: (a) =>
        matches(a, input.ResourceId, input.ScalableDimension) &&
        (input.IncludeNotScaledActivities === true || a.NotScaledReasons === undefined),
      newestFirst: true,
    });
    const now = ctx.store.now();
    return { ScalingActivities: items.map((a) => toScalingActivity(a, now)), ...next };
  },
};
