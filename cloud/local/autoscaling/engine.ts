/**
 * What the local Application Auto Scaling does on the simulated clock: policy invocations by
 * alarms, scheduled actions, and keeping a variant within its target's [min, max]
 * (spec autoscaling.md §1–§4, §9).
 *
 * Decisions are `sim/scaling_decision.ts`'s — the sweep's fast core decides through the same
 * functions — and this module records them (activities, alarm history, cooldowns in the store):
 * - Invocations that alarms make at the same instant for one target are decided together: scale
 *   out if any policy wants out, to the largest capacity; scale in only as the largest scale-in
 *   capacity (spec §1.4, AAS-PUT).
 * - Target tracking scales in only when every target-tracking policy of the target with scale-in
 *   enabled has its AlarmLow in ALARM, none has its AlarmHigh in ALARM and none is in its scale-in
 *   cooldown; the capacity is the largest of their `ceil(current × metric / target)` (spec §1.4).
 *   The metric is the newest datapoint of the invoking alarm's evaluation (spec §1.2).
 * - Step scaling aggregates, with MetricAggregationType, the breaching datapoints among the real
 *   points of the evaluation that invoked it (so an M-of-N alarm's breach stays on its side of
 *   the threshold; sources and reasoning at `stepMetricValue`), takes the step that holds
 *   `aggregate − threshold`, and reports "No step adjustment found for metric value [...] and
 *   breach threshold T" in the alarm history when none does ([OBS] wording of that AWS message,
 *   mapbox/ecs-watchbot#187).
 * - The result is clamped to [MinCapacity, MaxCapacity]; blocked or unchanged results are
 *   "not scaled" activities (AlreadyAtMaxCapacity, AlreadyAtMinCapacity, AlreadyAtDesiredCapacity)
 *   shown with IncludeNotScaledActivities (AAS-ACT). A scale-in blocked by its cooldown records
 *   nothing: AWS has no reason code for it.
 * - [INF, spec §6] While the endpoint is not InService (Updating after a previous activity),
 *   SageMaker cannot take another capacity change: an invocation that would scale is a not-scaled
 *   activity with `TargetServicePutResourceAsUnscalable` ("the target service has temporarily put
 *   the resource in an unscalable state; Application Auto Scaling will retry" — AAS-ACT), and the
 *   alarm's next repeat (every `alarmActionRepeatSeconds`) tries again. A capacity activity stays
 *   InProgress until SageMaker's update completes; cooldowns start then (spec §1.3, §9.5).
 * - Every invocation that is not scaled is recorded, one activity per target and batch (each
 *   repeat of the alarm makes another) [INF: AWS documents no de-duplication].
 * - Scheduled actions set MinCapacity/MaxCapacity, then scale to the new bound if the capacity is
 *   outside it, bypassing cooldowns and starting none [INF] (spec §4); so does
 *   RegisterScalableTarget (AAS-ACT: "It also initiates scaling activities when you modify the
 *   maximum or minimum size"). Activity wording follows AWS's published examples ("Setting min
 *   capacity to 15 and max capacity to 20", "scheduled action name … was triggered", "minimum
 *   capacity was set to 15"). [INF] If the endpoint is Updating then, the capacity change waits
 *   for it to be InService (retry event). [INF] An action whose MinCapacity would end above the
 *   target's MaxCapacity (or the reverse) is a Failed activity and changes nothing; a one-time
 *   `at()` action stays listed after it ran.
 * - Suspension (spec §4): DynamicScalingIn/OutSuspended drop the policies' scale-ins/outs;
 *   ScheduledScalingSuspended skips scheduled actions (missed ones do not run later).
 *
 * Scheduled actions and the registration of the simulation events are in `events.ts`.
 *
 * @module
 */
import { formatAlarmNumber } from "../../../sim/alarm_eval.ts";
import {
  cooldownsAfterScaling,
  decideTarget as decideScaling,
  type ScalingPolicyView,
} from "../../../sim/scaling_decision.ts";
import type { NotScaledReason } from "../../../sim/scaling_math.ts";
import {
  alarmDatapoints,
  getAlarm,
  recordAlarmHistory,
  SCALING_POLICY_INVOCATION_EVENT,
  type ScalingPolicyInvocation,
} from "../cloudwatch/mod.ts";
import type { LocalContext } from "../kernel/context.ts";
import type { SimEvent } from "../kernel/store/mod.ts";
import {
  describeEndpointRecord,
  type EndpointRecord,
  KIND,
  setVariantDesiredCount,
} from "../sagemaker/mod.ts";
import {
  AAS_KIND,
  basePolicyArn,
  findPolicyByArn,
  parseVariantResourceId,
  type PolicyRecord,
  putPolicy,
  recordActivity,
  targetDocId,
  targetPolicies,
  type TargetRecord,
} from "./records.ts";

/** Simulation event of a scheduled action firing (ref: the action's store id). */
export const SCHEDULED_ACTION_EVENT = "application-autoscaling-scheduled-action";
/** Simulation event retrying a min/max enforcement once the endpoint is InService (ref: target id). */
export const BOUNDS_EVENT = "application-autoscaling-bounds";

/** Default cooldowns of SageMaker variants, seconds (spec §1.3, §3: 300 for each). */
export const DEFAULT_COOLDOWN_SECONDS = 300;

/** A variant's state as Application Auto Scaling sees it. */
interface VariantState {
  endpoint: Readonly<EndpointRecord>;
  /** The variant's desired instance count: the scalable target's current capacity. */
  current: number;
  /** Whether SageMaker accepts a capacity change now. */
  inService: boolean;
}

function variantState(ctx: LocalContext, target: TargetRecord): VariantState | undefined {
  const ids = parseVariantResourceId(target.ResourceId);
  if (ids === undefined) return undefined;
  // Read only: the frozen record when it is stored under that name and has no phase end due,
  // else SageMaker's own lookup (case-insensitive names, a due phase end applied).
  let endpoint: Readonly<EndpointRecord> | undefined = ctx.store.peekDoc<EndpointRecord>(
    KIND.endpoint,
    ids.endpointName,
  );
  if (
    endpoint === undefined ||
    (endpoint.pendingUntil !== undefined && endpoint.pendingUntil <= ctx.store.now())
  ) {
    try {
      endpoint = describeEndpointRecord(ctx, ids.endpointName);
    } catch {
      return undefined; // the endpoint is gone; nothing to scale
    }
  }
  const variant = endpoint.ProductionVariants.find((v) =>
    v.VariantName.toLowerCase() === ids.variantName.toLowerCase()
  );
  if (variant === undefined) return undefined;
  return {
    endpoint,
    current: variant.DesiredInstanceCount,
    inService: endpoint.EndpointStatus === "InService",
  };
}

/** Sets the variant's instance count and records the activity; the completion time, or undefined on failure. */
function scaleTo(
  ctx: LocalContext,
  target: TargetRecord,
  count: number,
  cause: string,
): number | undefined {
  const ids = parseVariantResourceId(target.ResourceId)!;
  const description = `Setting desired instance count to ${count}.`;
  try {
    const { completesAt } = setVariantDesiredCount(ctx, {
      endpointName: ids.endpointName,
      variantName: ids.variantName,
      count,
    });
    recordActivity(ctx, {
      ref: target,
      fields: {
        Description: description,
        Cause: cause,
        completesAt,
        desiredCount: count,
      },
    });
    return completesAt;
  } catch (error) {
    recordActivity(ctx, {
      ref: target,
      fields: {
        Description: description,
        Cause: cause,
        StatusCode: "Failed",
        StatusMessage: `Failed to set desired instance count to ${count}. Reason: ${
          (error as Error).message
        }`,
      },
    });
    return undefined;
  }
}

function recordNotScaled(
  ctx: LocalContext,
  target: TargetRecord,
  cause: string,
  reason: NotScaledReason,
): void {
  recordActivity(ctx, {
    ref: target,
    fields: {
      Description: "Attempting to scale due to alarm triggered",
      Cause: cause,
      StatusCode: "Failed",
      NotScaledReasons: [reason],
    },
  });
}

/**
 * Scales the target's variant into [MinCapacity, MaxCapacity] if it is outside, bypassing
 * cooldowns (spec §4). While the endpoint is not InService the change waits for it [INF].
 * (Exercised end to end by RegisterScalableTarget and scheduled actions in the tests.)
 *
 * @example Usage
 * ```ts ignore
 * enforceBounds(ctx, { ...target, MinCapacity: 3 }); // capacity 1 → "minimum capacity was set to 3"
 * ```
 */
export function enforceBounds(ctx: LocalContext, target: TargetRecord): void {
  const state = variantState(ctx, target);
  if (state === undefined) return;
  let desired: number;
  let cause: string;
  if (state.current < target.MinCapacity) {
    desired = target.MinCapacity;
    cause = `minimum capacity was set to ${target.MinCapacity}`;
  } else if (state.current > target.MaxCapacity) {
    desired = target.MaxCapacity;
    cause = `maximum capacity was set to ${target.MaxCapacity}`;
  } else {
    return;
  }
  const key = targetDocId(target);
  ctx.store.cancelEvents(BOUNDS_EVENT, key);
  if (!state.inService) {
    const retryAt = Math.max(state.endpoint.pendingUntil ?? 0, ctx.store.now() + 1);
    ctx.store.schedule(retryAt, BOUNDS_EVENT, key);
    return;
  }
  scaleTo(ctx, target, desired, cause);
}

interface Invoked {
  invocation: ScalingPolicyInvocation;
  /** Read only (frozen). */
  policy: Readonly<PolicyRecord>;
}

function causeOf(inv: ScalingPolicyInvocation, policy: Readonly<PolicyRecord>): string {
  return `monitor alarm ${inv.alarmName} in state ${inv.state} triggered policy ${policy.PolicyName}`;
}

/** A stored policy as the shared decision (`sim/scaling_decision.ts`) sees it. */
function policyView(ctx: LocalContext, policy: Readonly<PolicyRecord>): ScalingPolicyView {
  if (policy.PolicyType === "StepScaling") {
    const config = policy.StepScalingPolicyConfiguration!;
    return {
      kind: "StepScaling",
      name: policy.PolicyName,
      adjustmentType: config.AdjustmentType!,
      steps: config.StepAdjustments!,
      minAdjustmentMagnitude: config.MinAdjustmentMagnitude,
      aggregation: config.MetricAggregationType ?? "Average",
      cooldownSeconds: config.Cooldown ?? DEFAULT_COOLDOWN_SECONDS,
      cooldown: policy.cooldown,
    };
  }
  const c = policy.TargetTrackingScalingPolicyConfiguration ?? {};
  return {
    kind: "TargetTrackingScaling",
    name: policy.PolicyName,
    targetValue: c.TargetValue!,
    disableScaleIn: c.DisableScaleIn ?? false,
    scaleOutCooldown: c.ScaleOutCooldown ?? DEFAULT_COOLDOWN_SECONDS,
    scaleInCooldown: c.ScaleInCooldown ?? DEFAULT_COOLDOWN_SECONDS,
    cooldown: policy.cooldown,
    alarms: () => {
      const [high, low] = policy.Alarms;
      const lowAlarm = low === undefined ? undefined : getAlarm(ctx, low.AlarmName);
      return {
        high: high === undefined ? undefined : getAlarm(ctx, high.AlarmName)?.StateValue,
        low: lowAlarm?.StateValue,
        lowMetric: lowAlarm === undefined
          ? undefined
          : alarmDatapoints(ctx, lowAlarm.AlarmName).at(-1)?.value,
      };
    },
  };
}

function decideTarget(ctx: LocalContext, target: TargetRecord, items: Invoked[]): void {
  const state = variantState(ctx, target);
  if (state === undefined) return;
  const { current } = state;
  const now = ctx.store.now();
  const policies = targetPolicies(ctx, target);
  const views = new Map(policies.map((p) => [p.PolicyName, policyView(ctx, p)]));
  const { outcome, notes } = decideScaling({
    current,
    min: target.MinCapacity,
    max: target.MaxCapacity,
    inService: state.inService,
    suspended: {
      scaleIn: target.SuspendedState.DynamicScalingInSuspended,
      scaleOut: target.SuspendedState.DynamicScalingOutSuspended,
    },
    policies: [...views.values()],
    invocations: items.map(({ invocation, policy }) => ({
      policy: views.get(policy.PolicyName) ?? policyView(ctx, policy),
      values: invocation.datapoints.map((d) => d.value),
      threshold: invocation.threshold,
      comparisonOperator: invocation.comparisonOperator,
    })),
    now,
  });
  for (const note of notes) {
    const { invocation: inv, policy } = items[note.invocation];
    recordAlarmHistory(ctx, {
      alarmName: inv.alarmName,
      type: "Action",
      summary: note.kind === "noData"
        ? `Failed to execute AutoScaling action: no metric datapoints to act on for policy ${policy.PolicyName}`
        // [OBS] wording of that AWS message, mapbox/ecs-watchbot#187.
        : `Failed to execute AutoScaling action: No step adjustment found for metric value [${
          inv.datapoints.map((d) => formatAlarmNumber(d.value)).join(", ")
        }] and breach threshold ${formatAlarmNumber(inv.threshold)}`,
    });
  }
  if (outcome.kind === "none") return;
  const { invocation: inv, policy } = items[outcome.invocation];
  const cause = causeOf(inv, policy);
  if (outcome.kind === "notScaled") {
    recordNotScaled(ctx, target, cause, outcome.reason);
    return;
  }
  const completesAt = scaleTo(ctx, target, outcome.capacity, cause);
  if (completesAt === undefined) return;
  const changed = cooldownsAfterScaling([...views.values()], {
    direction: outcome.direction,
    participants: outcome.participants,
    capacityBefore: current,
    now,
    completesAt,
  });
  for (const policy of policies) {
    const cooldown = changed.get(policy.PolicyName);
    if (cooldown === undefined) continue;
    putPolicy(ctx, { ...policy, cooldown });
  }
}

/** Runs every policy invocation due now, grouped by target (one decision per target). */
export function onInvocation(ctx: LocalContext, event: SimEvent): void {
  const now = ctx.store.now();
  const batch = [event.payload as ScalingPolicyInvocation];
  for (const other of ctx.store.listEvents(SCALING_POLICY_INVOCATION_EVENT)) {
    if (other.due !== now) continue;
    batch.push(other.payload as ScalingPolicyInvocation);
    ctx.store.deleteEvent(other.id);
  }
  const groups = new Map<string, { target: Readonly<TargetRecord>; items: Invoked[] }>();
  for (const invocation of batch) {
    const policy = findPolicyByArn(ctx, invocation.policyArn);
    // Read only (frozen): the decision reads the target; changes to it are made on copies.
    const target = policy === undefined
      ? undefined
      : ctx.store.peekDoc<TargetRecord>(AAS_KIND.target, targetDocId(policy));
    if (policy === undefined || target === undefined) {
      recordAlarmHistory(ctx, {
        alarmName: invocation.alarmName,
        type: "Action",
        summary: `Failed to execute AutoScaling action: No scaling policy found for ${
          basePolicyArn(invocation.policyArn)
        }`,
      });
      continue;
    }
    recordAlarmHistory(ctx, {
      alarmName: invocation.alarmName,
      type: "Action",
      summary: `Successfully executed action ${invocation.policyArn}`,
    });
    const key = targetDocId(target);
    const group = groups.get(key) ?? { target, items: [] as Invoked[] };
    group.items.push({ invocation, policy });
    groups.set(key, group);
  }
  for (const key of [...groups.keys()].sort()) {
    const { target, items } = groups.get(key)!;
    decideTarget(ctx, target, items);
  }
}
