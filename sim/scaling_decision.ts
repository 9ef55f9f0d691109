/**
 * One decision of Application Auto Scaling for one scalable target: the policy invocations its
 * alarms made at one instant, decided together (spec autoscaling.md §1.2–§1.4, §3). The local
 * backend (`cloud/local/autoscaling/engine.ts`) and the sweep's fast core (`sweep/run.ts`) both
 * decide through {@linkcode decideTarget} and start cooldowns through
 * {@linkcode cooldownsAfterScaling}; they differ only in where the state lives (the store, plain
 * arrays) and in what they record.
 *
 * - Invocations at the same instant are decided together: scale out if any policy wants out, to
 *   the largest capacity; scale in only as the largest scale-in capacity (spec §1.4, AAS-PUT).
 * - Target tracking scales in only when every target-tracking policy of the target with scale-in
 *   enabled has its AlarmLow in ALARM, none has its AlarmHigh in ALARM and none is in its
 *   scale-in cooldown; the capacity is the largest of their `ceil(current × metric / target)`
 *   (spec §1.4). The metric is the newest datapoint of the invoking alarm's evaluation (§1.2).
 * - Step scaling aggregates the breaching datapoints of the evaluation that invoked it
 *   (`stepMetricValue`) and takes the step that holds `aggregate − threshold`.
 * - The result is clamped to [MinCapacity, MaxCapacity]; a blocked or unchanged result is a
 *   not-scaled outcome with AAS-ACT's reason; while the resource is not InService an invocation
 *   that would scale is `TargetServicePutResourceAsUnscalable` [INF, spec §6].
 * - Suspended dynamic scale-in/out drops the policies' scale-ins/outs (spec §4).
 *
 * @module
 */
import type { AlarmState, ComparisonOperator } from "./alarm_eval.ts";
import {
  clampCapacity,
  combineProposals,
  cooldownAfter,
  type Direction,
  type NotScaledReason,
  type PolicyCooldown,
  type PolicyDecision,
  stepScalingDecision,
  targetTrackingDecision,
} from "./scaling_math.ts";
import {
  type AdjustmentType,
  breachSide,
  type MetricAggregationType,
  type StepAdjustment,
  stepMetricValue,
} from "./step_scaling.ts";

/** What the decision needs of a target-tracking policy. */
export interface TrackingPolicyView {
  kind: "TargetTrackingScaling";
  name: string;
  targetValue: number;
  disableScaleIn: boolean;
  scaleOutCooldown: number;
  scaleInCooldown: number;
  cooldown: PolicyCooldown;
  /**
   * Its alarms' states now and AlarmLow's newest datapoint: read only when the target's
   * policies decide a scale-in together.
   */
  alarms(): { high?: AlarmState; low?: AlarmState; lowMetric?: number };
}

/** What the decision needs of a step policy. */
export interface StepPolicyView {
  kind: "StepScaling";
  name: string;
  adjustmentType: AdjustmentType;
  steps: readonly StepAdjustment[];
  minAdjustmentMagnitude?: number;
  /** @default {"Average"} */
  aggregation?: MetricAggregationType;
  /** Cooldown, seconds. */
  cooldownSeconds: number;
  cooldown: PolicyCooldown;
}

/** A policy as the decision sees it. */
export type ScalingPolicyView = TrackingPolicyView | StepPolicyView;

/** One invocation of a policy by one of its alarms. */
export interface PolicyInvocation {
  policy: ScalingPolicyView;
  /** The values of the datapoints the alarm evaluated, oldest first. */
  values: readonly number[];
  threshold: number;
  comparisonOperator: ComparisonOperator | string;
}

/** Inputs of {@linkcode decideTarget}. */
export interface TargetDecisionInput {
  /** The target's current (desired) capacity. */
  current: number;
  min: number;
  max: number;
  /** Whether the resource takes a capacity change now (a SageMaker endpoint: InService). */
  inService: boolean;
  /** DynamicScalingIn/OutSuspended. */
  suspended?: { scaleIn?: boolean; scaleOut?: boolean };
  /** Every policy of the target (the scale-in agreement reads them all). */
  policies: readonly ScalingPolicyView[];
  /** The invocations due now, in the order they were made. */
  invocations: readonly PolicyInvocation[];
  /** Now, epoch ms. */
  now: number;
}

/** Something the caller records beside the outcome (alarm history on AWS). */
export type DecisionNote =
  | { kind: "noData"; invocation: number }
  | { kind: "noStep"; invocation: number };

/** The outcome of {@linkcode decideTarget}. */
export type TargetOutcome =
  | {
    kind: "scale";
    capacity: number;
    direction: Direction;
    /** Index of the invocation whose proposal won. */
    invocation: number;
    /** Policies whose cooldown the activity starts: every proposer in its direction. */
    participants: string[];
  }
  | { kind: "notScaled"; reason: NotScaledReason; invocation: number }
  | { kind: "none" };

/** The target-tracking scale-in of a target, if every such policy agrees (module doc). */
function agreedScaleIn(
  policies: readonly ScalingPolicyView[],
  at: { current: number; now: number },
): { desired: number; participants: string[] } | undefined {
  const tracking = policies.filter((p): p is TrackingPolicyView =>
    p.kind === "TargetTrackingScaling" && !p.disableScaleIn
  );
  let desired = 0;
  for (const q of tracking) {
    const alarms = q.alarms();
    if (alarms.high === "ALARM" || alarms.low !== "ALARM") return undefined;
    if (alarms.lowMetric === undefined) return undefined;
    const d = targetTrackingDecision({
      alarm: "low",
      current: at.current,
      metric: alarms.lowMetric,
      target: q.targetValue,
      disableScaleIn: false,
      cooldown: q.cooldown,
      now: at.now,
    });
    if (d.kind === "none" && d.reason !== "AlreadyAtDesiredCapacity") return undefined;
    desired = Math.max(desired, d.kind === "scale" ? d.desired : at.current);
  }
  return { desired, participants: tracking.map((q) => q.name) };
}

/**
 * Decides the invocations due now for one target (module doc for the rules).
 *
 * @example Usage
 * ```ts
 * import { decideTarget, type TrackingPolicyView } from "./scaling_decision.ts";
 * import assert from "node:assert/strict";
 * const policy: TrackingPolicyView = { kind: "TargetTrackingScaling", name: "tt", targetValue: 70,
 *   disableScaleIn: false, scaleOutCooldown: 300, scaleInCooldown: 300, cooldown: {},
 *   alarms: () => ({ high: "ALARM", low: "OK" }) };
 * const { outcome } = decideTarget({ current: 1, min: 1, max: 4, inService: true, now: 0,
 *   policies: [policy], invocations: [{ policy, values: [200, 210, 210], threshold: 70,
 *   comparisonOperator: "GreaterThanThreshold" }] });
 * assert.deepEqual(outcome, { kind: "scale", capacity: 3, direction: "out", invocation: 0,
 *   participants: ["tt"] });
 * ```
 */
export function decideTarget(
  input: TargetDecisionInput,
): { outcome: TargetOutcome; notes: DecisionNote[] } {
  const { current, now } = input;
  const notes: DecisionNote[] = [];
  const proposals: {
    policyName: string;
    direction: Direction;
    desired: number;
    invocation: number;
    participants: string[];
  }[] = [];
  let unchanged: number | undefined;
  let trackedIn = false;
  input.invocations.forEach((inv, i) => {
    const { policy, values } = inv;
    if (values.length === 0) {
      notes.push({ kind: "noData", invocation: i });
      return;
    }
    let decision: PolicyDecision;
    let participants = [policy.name];
    if (policy.kind === "TargetTrackingScaling") {
      if (breachSide(inv.comparisonOperator) === "above") {
        decision = targetTrackingDecision({
          alarm: "high",
          current,
          metric: values[values.length - 1],
          target: policy.targetValue,
          disableScaleIn: policy.disableScaleIn,
          cooldown: policy.cooldown,
          now,
        });
      } else {
        if (trackedIn) return; // decided once per target for all its policies
        trackedIn = true;
        const agreed = agreedScaleIn(input.policies, { current, now });
        if (agreed === undefined) return;
        participants = agreed.participants;
        decision = agreed.desired < current
          ? { kind: "scale", direction: "in", desired: agreed.desired }
          : { kind: "none", reason: "AlreadyAtDesiredCapacity", direction: "in", desired: current };
      }
    } else {
      // The breach is the aggregate of the breaching datapoints (step_scaling.ts, AAS docs).
      const aggregate = stepMetricValue(values, {
        operator: inv.comparisonOperator as ComparisonOperator,
        threshold: inv.threshold,
        aggregation: policy.aggregation ?? "Average",
      });
      decision = stepScalingDecision({
        current,
        breach: aggregate - inv.threshold,
        side: breachSide(inv.comparisonOperator),
        adjustmentType: policy.adjustmentType,
        steps: policy.steps,
        minAdjustmentMagnitude: policy.minAdjustmentMagnitude,
        cooldown: policy.cooldown,
        now,
      });
      if (decision.kind === "none" && decision.reason === "NoStepAdjustment") {
        notes.push({ kind: "noStep", invocation: i });
        return;
      }
    }
    if (decision.kind === "scale") {
      if (decision.direction === "out" && input.suspended?.scaleOut) return;
      if (decision.direction === "in" && input.suspended?.scaleIn) return;
      proposals.push({
        policyName: policy.name,
        direction: decision.direction,
        desired: decision.desired,
        invocation: i,
        participants,
      });
    } else if (decision.reason === "AlreadyAtDesiredCapacity") {
      unchanged ??= i;
    }
  });
  const winner = combineProposals(proposals) as (typeof proposals)[number] | undefined;
  if (winner === undefined) {
    return {
      outcome: unchanged === undefined ? { kind: "none" } : {
        kind: "notScaled",
        reason: { Code: "AlreadyAtDesiredCapacity", CurrentCapacity: current },
        invocation: unchanged,
      },
      notes,
    };
  }
  const clamped = clampCapacity(current, {
    desired: winner.desired,
    bounds: { min: input.min, max: input.max },
  });
  if (!clamped.scaled) {
    return {
      outcome: { kind: "notScaled", reason: clamped.reason, invocation: winner.invocation },
      notes,
    };
  }
  if (!input.inService) {
    return {
      outcome: {
        kind: "notScaled",
        reason: { Code: "TargetServicePutResourceAsUnscalable" },
        invocation: winner.invocation,
      },
      notes,
    };
  }
  const participants = [
    ...new Set(
      proposals.filter((p) => p.direction === winner.direction).flatMap((p) => p.participants),
    ),
  ];
  return {
    outcome: {
      kind: "scale",
      capacity: clamped.capacity,
      direction: winner.direction,
      invocation: winner.invocation,
      participants,
    },
    notes,
  };
}

/**
 * The cooldowns a scaling activity leaves: each participant's starts (`cooldownAfter`); a
 * scale-out ends the scale-in cooldown of every other policy of the target (spec §1.3, §3)
 * [INF: of every policy of the target]. Only the policies whose cooldown changes are returned.
 *
 * @example Usage
 * ```ts
 * import { cooldownsAfterScaling, type StepPolicyView } from "./scaling_decision.ts";
 * import assert from "node:assert/strict";
 * const step: StepPolicyView = { kind: "StepScaling", name: "step", adjustmentType: "ChangeInCapacity",
 *   steps: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }], cooldownSeconds: 60,
 *   cooldown: { scaleIn: { until: 10_000 } } };
 * const changed = cooldownsAfterScaling([step], { direction: "out", participants: [],
 *   capacityBefore: 1, now: 0, completesAt: 240_000 });
 * assert.deepEqual(changed.get("step"), {});
 * ```
 */
export function cooldownsAfterScaling(
  policies: readonly ScalingPolicyView[],
  activity: {
    direction: Direction;
    participants: readonly string[];
    capacityBefore: number;
    now: number;
    completesAt: number;
  },
): Map<string, PolicyCooldown> {
  const { direction, participants } = activity;
  const changed = new Map<string, PolicyCooldown>();
  for (const policy of policies) {
    if (participants.includes(policy.name)) {
      const seconds = policy.kind === "StepScaling"
        ? policy.cooldownSeconds
        : direction === "out"
        ? policy.scaleOutCooldown
        : policy.scaleInCooldown;
      changed.set(
        policy.name,
        cooldownAfter(policy.cooldown, {
          direction,
          capacityBefore: activity.capacityBefore,
          now: activity.now,
          completesAt: activity.completesAt,
          seconds,
        }),
      );
    } else if (direction === "out" && policy.cooldown.scaleIn !== undefined) {
      const { scaleIn: _, ...rest } = policy.cooldown;
      changed.set(policy.name, rest);
    }
  }
  return changed;
}
