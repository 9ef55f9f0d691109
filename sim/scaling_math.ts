/**
 * The arithmetic of Application Auto Scaling, as pure functions over plain numbers
 * (spec autoscaling.md §1.2–§1.4 and §3): target-tracking capacity, min/max clamping with the
 * not-scaled reasons, step-adjustment validation and selection, percent rounding with
 * MinAdjustmentMagnitude, and the cooldown rules of both policy types.
 *
 * The local Application Auto Scaling (`cloud/local/autoscaling/`) feeds these with the store's state and
 * turns their answers into scaling activities.
 *
 * Step adjustments (validation, selection, percent rounding) are in `step_scaling.ts`.
 *
 * @module
 */
import {
  type AdjustmentType,
  type BreachSide,
  EPSILON,
  selectStepAdjustment,
  type StepAdjustment,
  stepCapacity,
} from "./step_scaling.ts";

/** Why Application Auto Scaling decided not to scale (AAS-ACT's reason codes that apply here). */
export type NotScaledCode =
  | "AlreadyAtMaxCapacity"
  | "AlreadyAtMinCapacity"
  | "AlreadyAtDesiredCapacity"
  | "TargetServicePutResourceAsUnscalable";

/** A not-scaled reason as DescribeScalingActivities reports it. */
export interface NotScaledReason {
  Code: NotScaledCode;
  MaxCapacity?: number;
  MinCapacity?: number;
  CurrentCapacity?: number;
}

/** Minimum and maximum capacity of a scalable target. */
export interface CapacityBounds {
  /** MinCapacity. */
  min: number;
  /** MaxCapacity. */
  max: number;
}

/** The capacity to set, or why not to change it. */
export type ClampResult =
  | { scaled: true; capacity: number }
  | { scaled: false; capacity: number; reason: NotScaledReason };

/**
 * Desired capacity of a target-tracking policy: `ceil(current × metric / target)` [INF]
 * (spec §1.2: AWS publishes no formula; it rounds additions up and removals down, so the result
 * never adds too little nor removes too much — `ceil` does both).
 *
 * @example Usage
 * ```ts
 * import { targetTrackingCapacity } from "./scaling_math.ts";
 * import assert from "node:assert/strict";
 * assert.equal(targetTrackingCapacity(1, { metric: 210, target: 70 }), 3); // 3 × the target: 3 instances
 * assert.equal(targetTrackingCapacity(2, { metric: 71, target: 70 }), 3);  // just above: round the addition up
 * assert.equal(targetTrackingCapacity(4, { metric: 30, target: 70 }), 2);  // 1.71: remove only 2 of 4
 * ```
 */
export function targetTrackingCapacity(
  current: number,
  tracking: { metric: number; target: number },
): number {
  const { metric, target } = tracking;
  if (!(target > 0)) {
    throw new RangeError(
      `Cannot compute a target-tracking capacity: target value ${target} must be above 0`,
    );
  }
  const exact = (current * metric) / target;
  return Math.max(0, Math.ceil(exact - EPSILON * Math.max(1, Math.abs(exact))));
}

/**
 * Clamps a proposed capacity to `[min, max]` (spec §1.2). A proposal that would move the other
 * way once clamped (a scale-out of a target already above a lowered max) is not scaled, and a
 * result equal to the current capacity reports the AAS-ACT reason: AlreadyAtMaxCapacity,
 * AlreadyAtMinCapacity or AlreadyAtDesiredCapacity.
 *
 * @example Usage
 * ```ts
 * import { clampCapacity } from "./scaling_math.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(clampCapacity(3, { desired: 7, bounds: { min: 1, max: 5 } }), { scaled: true, capacity: 5 });
 * assert.deepEqual(clampCapacity(5, { desired: 7, bounds: { min: 1, max: 5 } }), {
 *   scaled: false, capacity: 5, reason: { Code: "AlreadyAtMaxCapacity", MaxCapacity: 5 },
 * });
 * ```
 */
export function clampCapacity(
  current: number,
  request: { desired: number; bounds: CapacityBounds },
): ClampResult {
  const { desired, bounds } = request;
  const capacity = Math.min(bounds.max, Math.max(bounds.min, desired));
  if (desired > current) {
    if (capacity <= current) {
      return {
        scaled: false,
        capacity: current,
        reason: { Code: "AlreadyAtMaxCapacity", MaxCapacity: bounds.max },
      };
    }
    return { scaled: true, capacity };
  }
  if (desired < current) {
    if (capacity >= current) {
      return {
        scaled: false,
        capacity: current,
        reason: { Code: "AlreadyAtMinCapacity", MinCapacity: bounds.min },
      };
    }
    return { scaled: true, capacity };
  }
  return {
    scaled: false,
    capacity: current,
    reason: { Code: "AlreadyAtDesiredCapacity", CurrentCapacity: current },
  };
}

/** A policy's cooldown state, kept with the policy. Times are epoch ms. */
export interface PolicyCooldown {
  /**
   * Scale-out cooldown: in force until `until`; `base` is the capacity before the scale-out
   * that began it, which the next scale-out's adjustment is computed from, so the capacity that
   * scale-out already added counts (spec §1.3, §3: +2 then +3 during cooldown adds 1 more).
   */
  scaleOut?: { until: number; base: number };
  /** Scale-in cooldown: scale-ins by this policy wait until `until`. */
  scaleIn?: { until: number };
}

/** Scale out (add capacity) or scale in (remove it). */
export type Direction = "out" | "in";

/** What one policy invocation asks for. */
export type PolicyDecision =
  | { kind: "scale"; direction: Direction; desired: number }
  | { kind: "none"; reason: "ScaleInCooldown" | "ScaleInDisabled" | "NoStepAdjustment" }
  | { kind: "none"; reason: "AlreadyAtDesiredCapacity"; direction: Direction; desired: number };

/**
 * The capacity a scale-out adjustment applies to: during the scale-out cooldown, the capacity
 * before the scale-out that began it; otherwise the current capacity (spec §1.3, §3).
 *
 * @example Usage
 * ```ts
 * import { scaleOutBase } from "./scaling_math.ts";
 * import assert from "node:assert/strict";
 * const cooldown = { scaleOut: { until: 1000, base: 2 } };
 * assert.equal(scaleOutBase(4, { cooldown, now: 500 }), 2);
 * assert.equal(scaleOutBase(4, { cooldown, now: 1000 }), 4); // the cooldown has ended
 * ```
 */
export function scaleOutBase(
  current: number,
  at: { cooldown: PolicyCooldown; now: number },
): number {
  const { cooldown, now } = at;
  const c = cooldown.scaleOut;
  return c !== undefined && now < c.until ? c.base : current;
}

/**
 * True while a scale-in cooldown blocks this policy's scale-ins (spec §1.3).
 *
 * @example Usage
 * ```ts
 * import { inScaleInCooldown } from "./scaling_math.ts";
 * import assert from "node:assert/strict";
 * assert.equal(inScaleInCooldown({ scaleIn: { until: 600_000 } }, 599_999), true);
 * assert.equal(inScaleInCooldown({}, 0), false);
 * ```
 */
export function inScaleInCooldown(cooldown: PolicyCooldown, now: number): boolean {
  return cooldown.scaleIn !== undefined && now < cooldown.scaleIn.until;
}

/** A scaling activity a policy just started, for {@linkcode cooldownAfter}. */
export interface CooldownChange {
  /** Scale-out or scale-in. */
  direction: Direction;
  /** The capacity before the activity. */
  capacityBefore: number;
  /** When the policy scaled, epoch ms. */
  now: number;
  /** When the activity completes (the cooldown counts from then), epoch ms. */
  completesAt: number;
  /** The policy's cooldown for that direction, seconds. */
  seconds: number;
}

/**
 * A policy's cooldown after it scaled. A scale-out cools scale-outs until `completesAt +
 * seconds` (the clock starts when the activity completes, spec §1.3/§9.5) keeping the base of a
 * cooldown already running [INF: the episode's first base, so a chain of larger scale-outs never
 * counts added capacity twice], and cancels the scale-in cooldown (spec §1.3). A scale-in cools
 * scale-ins the same way and ends any scale-out cooldown [INF].
 *
 * @example Usage
 * ```ts
 * import { cooldownAfter } from "./scaling_math.ts";
 * import assert from "node:assert/strict";
 * const after = cooldownAfter({ scaleIn: { until: 9_000 } }, { direction: "out", capacityBefore: 1, now: 1_000, completesAt: 240_000, seconds: 300 });
 * assert.deepEqual(after, { scaleOut: { until: 540_000, base: 1 } });
 * ```
 */
export function cooldownAfter(
  cooldown: PolicyCooldown,
  change: CooldownChange,
): PolicyCooldown {
  const { direction, capacityBefore, now, completesAt, seconds } = change;
  const until = completesAt + seconds * 1000;
  if (direction === "out") {
    const running = cooldown.scaleOut !== undefined && now < cooldown.scaleOut.until;
    const base = running ? cooldown.scaleOut!.base : capacityBefore;
    return { scaleOut: { until: Math.max(until, running ? cooldown.scaleOut!.until : 0), base } };
  }
  return { scaleIn: { until } };
}

/** Inputs of {@linkcode targetTrackingDecision}. */
export interface TargetTrackingInput {
  /** Which of the policy's alarms invoked it: AlarmHigh (scale out) or AlarmLow (scale in). */
  alarm: "high" | "low";
  /** Current capacity of the scalable target. */
  current: number;
  /** The metric value the alarm saw (its latest datapoint). */
  metric: number;
  /** The policy's TargetValue. */
  target: number;
  /** DisableScaleIn. */
  disableScaleIn: boolean;
  /** The policy's cooldown state. */
  cooldown: PolicyCooldown;
  /** Now, epoch ms. */
  now: number;
}

/**
 * What a target-tracking policy asks for when one of its alarms invokes it (spec §1.2–§1.4).
 * AlarmHigh: `max(current, ceil(base × metric / target))` where the base is the capacity before
 * a running scale-out cooldown's scale-out. AlarmLow: `ceil(current × metric / target)` unless
 * scale-in is disabled or cooling down.
 *
 * @example Usage
 * ```ts
 * import { targetTrackingDecision } from "./scaling_math.ts";
 * import assert from "node:assert/strict";
 * const d = targetTrackingDecision({
 *   alarm: "high", current: 1, metric: 210, target: 70, disableScaleIn: false, cooldown: {}, now: 0,
 * });
 * assert.deepEqual(d, { kind: "scale", direction: "out", desired: 3 });
 * ```
 */
export function targetTrackingDecision(input: TargetTrackingInput): PolicyDecision {
  const { current, metric, target, cooldown, now } = input;
  if (input.alarm === "high") {
    const base = scaleOutBase(current, { cooldown, now });
    const desired = Math.max(current, targetTrackingCapacity(base, { metric, target }));
    return desired > current
      ? { kind: "scale", direction: "out", desired }
      : { kind: "none", reason: "AlreadyAtDesiredCapacity", direction: "out", desired };
  }
  if (input.disableScaleIn) return { kind: "none", reason: "ScaleInDisabled" };
  if (inScaleInCooldown(cooldown, now)) return { kind: "none", reason: "ScaleInCooldown" };
  const desired = Math.min(current, targetTrackingCapacity(current, { metric, target }));
  return desired < current
    ? { kind: "scale", direction: "in", desired }
    : { kind: "none", reason: "AlreadyAtDesiredCapacity", direction: "in", desired };
}

/** Inputs of {@linkcode stepScalingDecision}. */
export interface StepScalingInput {
  /** Current capacity of the scalable target. */
  current: number;
  /** Aggregated metric minus the alarm threshold. */
  breach: number;
  /** The side of the threshold the alarm breaches on. */
  side: BreachSide;
  adjustmentType: AdjustmentType;
  steps: readonly StepAdjustment[];
  minAdjustmentMagnitude?: number;
  /** The policy's cooldown state. */
  cooldown: PolicyCooldown;
  /** Now, epoch ms. */
  now: number;
}

/**
 * What a step scaling policy asks for when an alarm invokes it (spec §3): the step holding the
 * breach, applied to the current capacity — or, for a scale-out during the scale-out cooldown,
 * to the capacity before that cooldown's scale-out, never going below the current capacity. A
 * scale-in waits out the scale-in cooldown.
 *
 * @example Usage
 * ```ts
 * import { stepScalingDecision } from "./scaling_math.ts";
 * import assert from "node:assert/strict";
 * const steps = [
 *   { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 20, ScalingAdjustment: 2 },
 *   { MetricIntervalLowerBound: 20, ScalingAdjustment: 3 },
 * ];
 * // +2 took capacity from 1 to 3 and is cooling down; a +3 breach now adds only 1 more.
 * const d = stepScalingDecision({
 *   current: 3, breach: 25, side: "above", adjustmentType: "ChangeInCapacity", steps,
 *   cooldown: { scaleOut: { until: 1_000, base: 1 } }, now: 500,
 * });
 * assert.deepEqual(d, { kind: "scale", direction: "out", desired: 4 });
 * ```
 */
export function stepScalingDecision(input: StepScalingInput): PolicyDecision {
  const { current, cooldown, now, adjustmentType } = input;
  const step = selectStepAdjustment(input.steps, { breach: input.breach, side: input.side });
  if (step === undefined) return { kind: "none", reason: "NoStepAdjustment" };
  const adj = step.ScalingAdjustment;
  const outward = adjustmentType === "ExactCapacity" ? adj > current : adj > 0;
  const inward = adjustmentType === "ExactCapacity" ? adj < current : adj < 0;
  if (outward) {
    const base = scaleOutBase(current, { cooldown, now });
    const desired = Math.max(
      current,
      stepCapacity(base, {
        adjustmentType,
        adjustment: adj,
        minAdjustmentMagnitude: input.minAdjustmentMagnitude,
      }),
    );
    return desired > current
      ? { kind: "scale", direction: "out", desired }
      : { kind: "none", reason: "AlreadyAtDesiredCapacity", direction: "out", desired };
  }
  if (inward) {
    if (inScaleInCooldown(cooldown, now)) return { kind: "none", reason: "ScaleInCooldown" };
    const desired = Math.min(
      current,
      stepCapacity(current, {
        adjustmentType,
        adjustment: adj,
        minAdjustmentMagnitude: input.minAdjustmentMagnitude,
      }),
    );
    return desired < current
      ? { kind: "scale", direction: "in", desired }
      : { kind: "none", reason: "AlreadyAtDesiredCapacity", direction: "in", desired };
  }
  return { kind: "none", reason: "AlreadyAtDesiredCapacity", direction: "out", desired: current };
}

/** One policy's proposal in a batch of simultaneous invocations. */
export interface Proposal {
  /** The proposing policy's name. */
  policyName: string;
  direction: Direction;
  desired: number;
}

/**
 * Combines proposals made at the same moment for one target (spec §1.4, AAS-PUT): scale out if
 * any policy wants out, to the largest capacity asked; otherwise scale in to the largest
 * capacity asked by the scale-in proposals ("the policy that provides the largest capacity wins
 * for both scale out and scale in").
 *
 * @example Usage
 * ```ts
 * import { combineProposals } from "./scaling_math.ts";
 * import assert from "node:assert/strict";
 * const winner = combineProposals([
 *   { policyName: "plus3", direction: "out", desired: 13 },
 *   { policyName: "double", direction: "out", desired: 30 },
 *   { policyName: "in", direction: "in", desired: 8 },
 * ]);
 * assert.equal(winner?.policyName, "double");
 * ```
 */
export function combineProposals(proposals: readonly Proposal[]): Proposal | undefined {
  const out = proposals.filter((p) => p.direction === "out");
  const pool = out.length > 0 ? out : proposals.filter((p) => p.direction === "in");
  let best: Proposal | undefined;
  for (const p of pool) if (best === undefined || p.desired > best.desired) best = p;
  return best;
}
