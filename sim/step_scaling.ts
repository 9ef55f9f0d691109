/**
 * Step scaling arithmetic (spec autoscaling.md §3): step adjustments, their validation and
 * selection, which side of its threshold an alarm breaches, percent changes rounded with
 * MinAdjustmentMagnitude, and the aggregation of an alarm's datapoints.
 *
 * @module
 */
import { breaches, type ComparisonOperator } from "./alarm_eval.ts";
/** Relative slack for float noise, so that 3 × 70 / 70 is 3 and not 3.0000000000000004. */
export const EPSILON = 1e-9;

/** One step of a step scaling policy (the SDK's `StepAdjustment`). */
export interface StepAdjustment {
  /** Lower bound of `metric − threshold`; absent means −infinity. */
  MetricIntervalLowerBound?: number;
  /** Upper bound of `metric − threshold`; absent means +infinity. */
  MetricIntervalUpperBound?: number;
  /** Capacity change (ChangeInCapacity), percent (PercentChangeInCapacity) or capacity (ExactCapacity). */
  ScalingAdjustment: number;
}

/**
 * The SDK's step adjustments of a step spec's short form (`{ lower, upper, adjustment }`, the
 * shape `scale` and the sweep take).
 *
 * @example Usage
 * ```ts
 * import { stepAdjustments } from "./step_scaling.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(stepAdjustments([{ lower: 0, adjustment: 2 }]), [
 *   { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: undefined, ScalingAdjustment: 2 },
 * ]);
 * ```
 */
export function stepAdjustments(
  steps: readonly { lower?: number; upper?: number; adjustment: number }[],
): StepAdjustment[] {
  return steps.map((s) => ({
    MetricIntervalLowerBound: s.lower,
    MetricIntervalUpperBound: s.upper,
    ScalingAdjustment: s.adjustment,
  }));
}

/** How a step policy's ScalingAdjustment is read. */
export type AdjustmentType = "ChangeInCapacity" | "PercentChangeInCapacity" | "ExactCapacity";

/**
 * Step adjustments that Application Auto Scaling rejects; the message is AWS's ValidationException.
 *
 * @example Usage
 * ```ts
 * import { StepAdjustmentError, validateStepAdjustments } from "./step_scaling.ts";
 * import assert from "node:assert/strict";
 * assert.throws(() => validateStepAdjustments([{ ScalingAdjustment: 1 }]), StepAdjustmentError);
 * ```
 */
export class StepAdjustmentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StepAdjustmentError";
  }
}

/** The most step adjustments one policy may have [DOC] AAS-QUOTA (spec §1.4). */
export const MAX_STEP_ADJUSTMENTS = 20;

/**
 * Checks a policy's step adjustments against AAS-STEP's rules (spec §3): at least one and at
 * most 20; no step with both bounds null; lower below upper; at most one null lower bound and
 * one null upper bound; a negative lower bound needs a step with a null lower bound and a
 * positive upper bound one with a null upper bound; no gap and no overlap. The first message
 * is AWS's own wording [OBS]; the others follow it [INF].
 *
 * @example Usage
 * ```ts
 * import { validateStepAdjustments } from "./step_scaling.ts";
 * import assert from "node:assert/strict";
 * validateStepAdjustments([
 *   { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 20, ScalingAdjustment: 1 },
 *   { MetricIntervalLowerBound: 20, ScalingAdjustment: 3 },
 * ]);
 * assert.throws(() => validateStepAdjustments([
 *   { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 },
 *   { MetricIntervalLowerBound: 20, ScalingAdjustment: 3 },
 * ]), /gap/);
 * ```
 */
export function validateStepAdjustments(steps: readonly StepAdjustment[]): void {
  if (steps.length === 0) {
    throw new StepAdjustmentError("StepAdjustments must contain at least one step adjustment");
  }
  if (steps.length > MAX_STEP_ADJUSTMENTS) {
    throw new StepAdjustmentError(
      `There can be at most ${MAX_STEP_ADJUSTMENTS} step adjustments per scaling policy, got ${steps.length}`,
    );
  }
  let nullLower = 0;
  let nullUpper = 0;
  let negativeLower = false;
  let positiveUpper = false;
  for (const s of steps) {
    const lo = s.MetricIntervalLowerBound;
    const up = s.MetricIntervalUpperBound;
    if (!Number.isInteger(s.ScalingAdjustment)) {
      throw new StepAdjustmentError(
        `ScalingAdjustment must be a whole number, got ${s.ScalingAdjustment}`,
      );
    }
    if (lo === undefined && up === undefined) {
      throw new StepAdjustmentError(
        "Both lower and upper bounds of a step adjustment cannot be left unspecified",
      );
    }
    if (lo !== undefined && up !== undefined && !(lo < up)) {
      throw new StepAdjustmentError(
        `The lower bound (${lo}) of a step adjustment must be less than its upper bound (${up})`,
      );
    }
    if (lo === undefined) nullLower++;
    if (up === undefined) nullUpper++;
    if (lo !== undefined && lo < 0) negativeLower = true;
    if (up !== undefined && up > 0) positiveUpper = true;
  }
  if (nullLower > 1) {
    throw new StepAdjustmentError(
      "At most one step adjustment can have an unspecified lower bound",
    );
  }
  if (nullUpper > 1) {
    throw new StepAdjustmentError(
      "At most one step adjustment can have an unspecified upper bound",
    );
  }
  if (negativeLower && nullLower === 0) {
    throw new StepAdjustmentError(
      "There must be a step adjustment with an unspecified lower bound (i.e., lower bound is null) when one step adjustment has a negative lower bound",
    );
  }
  if (positiveUpper && nullUpper === 0) {
    throw new StepAdjustmentError(
      "There must be a step adjustment with an unspecified upper bound (i.e., upper bound is null) when one step adjustment has a positive upper bound",
    );
  }
  const sorted = [...steps].sort((a, b) =>
    (a.MetricIntervalLowerBound ?? -Infinity) - (b.MetricIntervalLowerBound ?? -Infinity)
  );
  for (let i = 1; i < sorted.length; i++) {
    const prevUpper = sorted[i - 1].MetricIntervalUpperBound ?? Infinity;
    const lower = sorted[i].MetricIntervalLowerBound ?? -Infinity;
    if (prevUpper > lower) {
      throw new StepAdjustmentError(
        `Step adjustments cannot overlap: the interval ending at ${prevUpper} overlaps the one starting at ${lower}`,
      );
    }
    if (prevUpper < lower) {
      throw new StepAdjustmentError(
        `Step adjustments cannot have a gap: nothing covers the breach values between ${prevUpper} and ${lower}`,
      );
    }
  }
}

/** Which side of its threshold an alarm fires on (from its ComparisonOperator). */
export type BreachSide = "above" | "below";

/**
 * The side of the threshold a comparison operator breaches on: `GreaterThan…` is above,
 * `LessThan…` below.
 *
 * @example Usage
 * ```ts
 * import { breachSide } from "./step_scaling.ts";
 * import assert from "node:assert/strict";
 * assert.equal(breachSide("GreaterThanOrEqualToThreshold"), "above");
 * assert.equal(breachSide("LessThanThreshold"), "below");
 * ```
 */
export function breachSide(comparisonOperator: string | undefined): BreachSide {
  return comparisonOperator !== undefined && comparisonOperator.startsWith("LessThan")
    ? "below"
    : "above";
}

/**
 * The step whose interval holds `breach = aggregated metric − alarm threshold` (spec §3). Above
 * the threshold an interval includes its lower bound and excludes its upper; below it, the
 * reverse — so a metric equal to the threshold of a `>=` alarm falls in the step starting at 0,
 * and of a `<=` alarm in the step ending at 0.
 *
 * @example Usage
 * ```ts
 * import { selectStepAdjustment } from "./step_scaling.ts";
 * import assert from "node:assert/strict";
 * const steps = [
 *   { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 },
 *   { MetricIntervalLowerBound: 10, ScalingAdjustment: 2 },
 * ];
 * assert.equal(selectStepAdjustment(steps, { breach: 9.9, side: "above" })?.ScalingAdjustment, 1);
 * assert.equal(selectStepAdjustment(steps, { breach: 10, side: "above" })?.ScalingAdjustment, 2);
 * assert.equal(selectStepAdjustment(steps, { breach: -1, side: "above" }), undefined);
 * ```
 */
export function selectStepAdjustment(
  steps: readonly StepAdjustment[],
  alarm: { breach: number; side: BreachSide },
): StepAdjustment | undefined {
  const { breach, side } = alarm;
  return steps.find((s) => {
    const lo = s.MetricIntervalLowerBound ?? -Infinity;
    const up = s.MetricIntervalUpperBound ?? Infinity;
    return side === "above" ? lo <= breach && breach < up : lo < breach && breach <= up;
  });
}

/**
 * The signed capacity change of a PercentChangeInCapacity step (spec §3, AAS-STEP): a result
 * above 1 rounds down (12.7 → 12), between 0 and 1 becomes 1, between −1 and 0 becomes −1, below
 * −1 rounds toward zero (−6.67 → −6); then MinAdjustmentMagnitude raises its size.
 *
 * @example Usage
 * ```ts
 * import { percentChange } from "./step_scaling.ts";
 * import assert from "node:assert/strict";
 * assert.equal(percentChange(11, 30), 3);     // 3.3 → 3
 * assert.equal(percentChange(4, 25, 2), 2);   // 1, raised to the minimum magnitude 2
 * assert.equal(percentChange(20, -33), -6);   // -6.6 → -6
 * ```
 */
export function percentChange(
  capacity: number,
  percent: number,
  minAdjustmentMagnitude?: number,
): number {
  const raw = (capacity * percent) / 100;
  let change: number;
  if (raw > 1) change = Math.floor(raw + EPSILON * raw);
  else if (raw > 0) change = 1;
  else if (raw === 0) change = 0;
  else if (raw > -1) change = -1;
  else change = Math.ceil(raw + EPSILON * raw); // raw < 0: the slack points away from zero
  if (
    minAdjustmentMagnitude !== undefined && change !== 0 &&
    Math.abs(change) < minAdjustmentMagnitude
  ) {
    change = Math.sign(change) * minAdjustmentMagnitude;
  }
  return change;
}

/** The step a policy takes, for {@linkcode stepCapacity}. */
export interface StepChange {
  /** How `adjustment` reads. */
  adjustmentType: AdjustmentType;
  /** The step's ScalingAdjustment. */
  adjustment: number;
  /** MinAdjustmentMagnitude (PercentChangeInCapacity only); none when undefined. */
  minAdjustmentMagnitude?: number;
}

/**
 * The capacity a step asks for, applied to `capacity` (spec §3): ChangeInCapacity adds the
 * adjustment, PercentChangeInCapacity adds {@linkcode percentChange}, ExactCapacity is the
 * adjustment itself. Never below 0.
 *
 * @example Usage
 * ```ts
 * import { stepCapacity } from "./step_scaling.ts";
 * import assert from "node:assert/strict";
 * assert.equal(stepCapacity(10, { adjustmentType: "PercentChangeInCapacity", adjustment: 10 }), 11);
 * assert.equal(stepCapacity(11, { adjustmentType: "PercentChangeInCapacity", adjustment: 30 }), 14);
 * assert.equal(stepCapacity(3, { adjustmentType: "ChangeInCapacity", adjustment: -1 }), 2);
 * assert.equal(stepCapacity(3, { adjustmentType: "ExactCapacity", adjustment: 6 }), 6);
 * ```
 */
export function stepCapacity(
  capacity: number,
  step: StepChange,
): number {
  const { adjustmentType, adjustment, minAdjustmentMagnitude } = step;
  let result: number;
  if (adjustmentType === "ExactCapacity") result = adjustment;
  else if (adjustmentType === "ChangeInCapacity") result = capacity + adjustment;
  else result = capacity + percentChange(capacity, adjustment, minAdjustmentMagnitude);
  return Math.max(0, result);
}

/** How a step policy aggregates the alarm's datapoints; AWS's default is Average (spec §3). */
export type MetricAggregationType = "Average" | "Minimum" | "Maximum";

/**
 * Aggregates the alarm's most recent datapoints for a step policy (spec §3: "applies the
 * aggregation type to the most recent metric data points", not to the raw samples).
 *
 * @example Usage
 * ```ts
 * import { aggregateDatapoints } from "./step_scaling.ts";
 * import assert from "node:assert/strict";
 * assert.equal(aggregateDatapoints([100, 110, 120]), 110);
 * assert.equal(aggregateDatapoints([100, 110, 120], "Maximum"), 120);
 * ```
 */
export function aggregateDatapoints(
  values: readonly number[],
  type: MetricAggregationType = "Average",
): number {
  if (values.length === 0) {
    throw new RangeError("Cannot aggregate alarm datapoints: give at least one value");
  }
  if (type === "Minimum") return Math.min(...values);
  if (type === "Maximum") return Math.max(...values);
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * The metric value a step policy compares with its alarm's threshold: the aggregate, by
 * `aggregation`, of the evaluated datapoints that breach the threshold.
 *
 * Application Auto Scaling picks the step from "the difference between the value of the
 * aggregated CloudWatch metric and the breach threshold" (AAS API reference, StepAdjustment) and
 * applies "the step adjustments … when the alarm threshold is breached for the specified number
 * of evaluation periods" (AAS user guide, "How step scaling for Application Auto Scaling works");
 * `MetricAggregationType` is Average, Minimum or Maximum, null meaning Average
 * (StepScalingPolicyConfiguration). [INF] The aggregate is taken over the datapoints of the
 * breach, so an M-of-N alarm (M < N) in ALARM always gives a breach on its own side of the
 * threshold: averaging all N points could land on the other side and match no step although the
 * alarm fired. With N of N every point breaches and this is the plain aggregate; when no point
 * breaches (an alarm kept in ALARM by missing data treated as breaching) all points are used.
 *
 * @example Usage
 * ```ts
 * import { stepMetricValue } from "./step_scaling.ts";
 * import assert from "node:assert/strict";
 * // A 2-of-3 alarm at > 5,000: the two breaching points make the breach, not the third.
 * const rule = { operator: "GreaterThanThreshold", threshold: 5_000 } as const;
 * assert.equal(stepMetricValue([6_000, 1_000, 7_000], rule), 6_500);
 * assert.equal(stepMetricValue([6_000, 1_000, 7_000], { ...rule, aggregation: "Minimum" }), 6_000);
 * ```
 */
export function stepMetricValue(
  values: readonly number[],
  alarm: {
    operator: ComparisonOperator;
    threshold: number;
    /** @default {"Average"} */
    aggregation?: MetricAggregationType;
  },
): number {
  const breaching = values.filter((v) => breaches(v, alarm));
  return aggregateDatapoints(breaching.length > 0 ? breaching : values, alarm.aggregation);
}
