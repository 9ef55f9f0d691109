/**
 * The alarms a scaling policy is driven by, as pure rules: the two alarms Application Auto
 * Scaling creates for a target-tracking policy, and the alarm this toolkit creates beside a step
 * policy. The local backend's PutScalingPolicy, `scale`'s PutMetricAlarm request and the sweep's
 * fast core all build their alarms here, so the three cannot drift apart.
 *
 * - Target tracking (spec autoscaling.md §1.1): AlarmHigh `GreaterThanThreshold` the target,
 *   60 s × 3 of 3 [OBS]; AlarmLow `LessThanThreshold` 0.9 × the target, 60 s × 15 of 15 [OBS];
 *   on a high-resolution metric 10 s × 3 of 3 and 10 s × 90 of 90 [DOC]. TreatMissingData
 *   `missing` (AWS's default; the alarms AAS creates set none). With DisableScaleIn there is no
 *   AlarmLow [INF].
 * - Step scaling: InvocationsPerInstance Sum per 60 s, `GreaterThanOrEqualToThreshold`, N of N
 *   (`evaluationPeriods`, default 1) — the original attached a step policy to no alarm at all
 *   (autoscaling.md §3), so the toolkit always creates this one.
 *
 * @module
 */
import type { AlarmRule } from "./alarm_eval.ts";

/** The period and M of N of an alarm. */
export interface AlarmShape {
  /** Seconds per datapoint. */
  periodSeconds: number;
  /** N: the most recent datapoints evaluated. */
  evaluationPeriods: number;
  /** M: breaching datapoints among the N that put the alarm in ALARM. */
  datapointsToAlarm: number;
}

/** An alarm rule with its period: what a policy's alarm evaluates. */
export interface PolicyAlarm extends AlarmRule {
  periodSeconds: number;
}

/** The shapes of target tracking's two alarms, standard and high resolution. */
export interface TargetTrackingShapes {
  targetTrackingHigh: AlarmShape;
  targetTrackingLow: AlarmShape;
  highResolutionHigh: AlarmShape;
  highResolutionLow: AlarmShape;
  /** AlarmLow's threshold as a fraction of the target. */
  scaleInThresholdRatio: number;
}

/** AWS's shapes (module doc); the local backend's settings default to them. */
export const TARGET_TRACKING_SHAPES: Readonly<TargetTrackingShapes> = Object.freeze({
  targetTrackingHigh: { periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 3 },
  targetTrackingLow: { periodSeconds: 60, evaluationPeriods: 15, datapointsToAlarm: 15 },
  highResolutionHigh: { periodSeconds: 10, evaluationPeriods: 3, datapointsToAlarm: 3 },
  highResolutionLow: { periodSeconds: 10, evaluationPeriods: 90, datapointsToAlarm: 90 },
  scaleInThresholdRatio: 0.9,
});

/** Rounds away float noise: 0.9 × 70 is 63, not 63.00000000000001. */
function tidy(x: number): number {
  return Number(x.toPrecision(12));
}

/**
 * The AlarmHigh and AlarmLow of a target-tracking policy on `target` (module doc).
 *
 * @example Usage
 * ```ts
 * import { targetTrackingAlarms } from "./policy_alarms.ts";
 * import assert from "node:assert/strict";
 * const { high, low } = targetTrackingAlarms(70);
 * assert.equal(high.comparisonOperator, "GreaterThanThreshold");
 * assert.equal(low?.threshold, 63);
 * assert.equal(low?.evaluationPeriods, 15);
 * assert.equal(targetTrackingAlarms(5, { highResolution: true }).low?.evaluationPeriods, 90);
 * assert.equal(targetTrackingAlarms(70, { disableScaleIn: true }).low, undefined);
 * ```
 */
export function targetTrackingAlarms(
  target: number,
  options: {
    /**
     * Whether the metric is a high-resolution (10 s) one.
     * @default {false}
     */
    highResolution?: boolean;
    /**
     * No AlarmLow.
     * @default {false}
     */
    disableScaleIn?: boolean;
    /**
     * The shapes (the local backend passes its settings).
     * @default {TARGET_TRACKING_SHAPES}
     */
    shapes?: Readonly<TargetTrackingShapes>;
  } = {},
): { high: PolicyAlarm; low?: PolicyAlarm } {
  const shapes = options.shapes ?? TARGET_TRACKING_SHAPES;
  const [high, low] = options.highResolution
    ? [shapes.highResolutionHigh, shapes.highResolutionLow]
    : [shapes.targetTrackingHigh, shapes.targetTrackingLow];
  const alarm = (shape: AlarmShape, rule: Pick<AlarmRule, "threshold" | "comparisonOperator">) => ({
    periodSeconds: shape.periodSeconds,
    evaluationPeriods: shape.evaluationPeriods,
    datapointsToAlarm: shape.datapointsToAlarm,
    treatMissingData: "missing" as const,
    ...rule,
  });
  return {
    high: alarm(high, { threshold: target, comparisonOperator: "GreaterThanThreshold" }),
    ...(options.disableScaleIn ? {} : {
      low: alarm(low, {
        threshold: tidy(target * shapes.scaleInThresholdRatio),
        comparisonOperator: "LessThanThreshold",
      }),
    }),
  };
}

/**
 * The alarm beside a step policy on InvocationsPerInstance (module doc).
 *
 * @example Usage
 * ```ts
 * import { stepScalingAlarm } from "./policy_alarms.ts";
 * import assert from "node:assert/strict";
 * const alarm = stepScalingAlarm({ threshold: 5000, evaluationPeriods: 2 });
 * assert.equal(alarm.comparisonOperator, "GreaterThanOrEqualToThreshold");
 * assert.equal(alarm.datapointsToAlarm, 2);
 * assert.equal(stepScalingAlarm({ threshold: 5000 }).evaluationPeriods, 1);
 * ```
 */
export function stepScalingAlarm(
  spec: {
    /** InvocationsPerInstance (Sum per minute) at or above which the alarm breaches. */
    threshold: number;
    /** N of N one-minute periods. @default {1} */
    evaluationPeriods?: number;
  },
): PolicyAlarm {
  const periods = spec.evaluationPeriods ?? 1;
  return {
    periodSeconds: 60,
    evaluationPeriods: periods,
    datapointsToAlarm: periods,
    threshold: spec.threshold,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    treatMissingData: "missing",
  };
}
