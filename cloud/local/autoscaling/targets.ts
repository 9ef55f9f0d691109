/**
 * Scalable targets: RegisterScalableTarget (create or update, `MinCapacity` ≥ 1 for a variant),
 * DeregisterScalableTarget (with its policies, their alarms and scheduled actions) and the
 * ScalableTarget output shape.
 *
 * @module
 */
import { deleteAlarms, removeAlarmActions } from "../cloudwatch/mod.ts";
import type { LocalContext } from "../kernel/context.ts";
import { describeEndpointRecord } from "../sagemaker/mod.ts";
import { BOUNDS_EVENT, enforceBounds, SCHEDULED_ACTION_EVENT } from "./engine.ts";
import {
  AAS_KIND,
  childKey,
  getTarget,
  objectNotFound,
  parseVariantResourceId,
  type PolicyRecord,
  scalableTargetArn,
  targetDocId,
  targetPolicies,
  type TargetRecord,
  validationException,
} from "./records.ts";
import { checkCapacity, checkRef, describeRef, serviceLinkedRole } from "./validate.ts";
import type * as aas from "@aws-sdk/client-application-auto-scaling";
import type {
  DeregisterScalableTargetRequest,
  RegisterScalableTargetRequest,
  ScalableTarget,
} from "@aws-sdk/client-application-auto-scaling";

export function registerTarget(
  ctx: LocalContext,
  input: RegisterScalableTargetRequest,
): TargetRecord {
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
    ctx.store.putDoc(AAS_KIND.target, targetDocId(ref), target);
    enforceBounds(ctx, target);
    return target;
  });
}

export function toScalableTarget(t: TargetRecord): ScalableTarget {
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
export function removePolicy(ctx: LocalContext, policy: PolicyRecord): void {
  deleteAlarms(ctx, policy.Alarms.map((a) => a.AlarmName), { skipMissing: true });
  removeAlarmActions(
    ctx,
    (arn) => arn === policy.PolicyARN || arn.startsWith(`${policy.PolicyARN}:createdBy/`),
  );
  ctx.store.deleteDoc(AAS_KIND.policy, childKey(policy, policy.PolicyName));
}

export function deregisterTarget(ctx: LocalContext, input: DeregisterScalableTargetRequest): void {
  const ref = checkRef(input, "DeregisterScalableTarget");
  ctx.store.tx(() => {
    const target = getTarget(ctx, ref);
    if (target === undefined) {
      throw objectNotFound(`No scalable target found for ${describeRef(ref)}`);
    }
    for (const policy of targetPolicies(ctx, ref)) removePolicy(ctx, policy);
    for (const { id } of ctx.store.listDocs(AAS_KIND.scheduledAction, `${targetDocId(ref)}/`)) {
      ctx.store.cancelEvents(SCHEDULED_ACTION_EVENT, id);
      ctx.store.deleteDoc(AAS_KIND.scheduledAction, id);
    }
    ctx.store.cancelEvents(BOUNDS_EVENT, targetDocId(ref));
    ctx.store.deleteDoc(AAS_KIND.target, targetDocId(ref));
  });
}
