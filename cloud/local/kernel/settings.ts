/**
 * Settings of the local backend: the simulation defaults that `../shared/spec/autoscaling.md`
 * marks as inferred ([INF]), the Default job's benchmark length, an optional noise seed.
 * They are persisted in the store, so every process opening the same folder simulates alike.
 *
 * @module
 */

import { type AlarmShape, TARGET_TRACKING_SHAPES } from "../../../sim/policy_alarms.ts";

/** Alarm shape that target tracking creates (spec autoscaling.md §1.1; `sim/policy_alarms.ts`). */
export type { AlarmShape };

/** Settings of the local backend. Every field is optional in {@linkcode openCloud}'s `local`. */
export interface LocalSettings {
  /**
   * AWS account id the local backend pretends to be.
   * @default {"000000000000"}
   */
  account: string;
  /**
   * Seconds from CreateEndpoint to InService. [OBS] 153 s for 1 x ml.c5.large (autoscaling.md §1.1).
   * @default {150}
   */
  endpointCreateSeconds: number;
  /**
   * Seconds a new instance takes to come InService after a scale-out (instance provisioning,
   * image pull, model download, health check). [INF] autoscaling.md §6, §9.7: a fixed 240 s for
   * a CPU instance, between the 153 s observed for creating 1 x ml.c5.large and the 258–525 s
   * published for larger instances; a GPU LLM instance is nearer 540 s.
   * @default {240}
   */
  instanceStartSeconds: number;
  /**
   * Seconds a removed instance drains after a scale-in: it takes no new requests from the
   * scale-in on, but the endpoint stays Updating (and the scale-in activity InProgress, its
   * cooldown not yet started) until then. [INF] AWS gives no number: autoscaling.md §6 (a
   * scale-in is an UpdateEndpointWeightsAndCapacities, Updating until done; in-flight requests
   * may take up to the 60 s invocation timeout) and §9.5 (the cooldown starts when the update
   * completes). 120 s: the invocation timeout twice over, so nothing in flight is cut off.
   * @default {120}
   */
  instanceDrainSeconds: number;
  /**
   * Whether every InService endpoint is simulated whenever the local clock moves (its metrics,
   * hence its alarms and scaling), job or no job. `false`: an endpoint publishes metrics only
   * while an Advanced job load-tests it (for tests that lay their own metric rows).
   * @default {true}
   */
  endpointSimulation: boolean;
  /**
   * What an endpoint with no traffic publishes each minute. `"zero"`: Invocations and
   * InvocationsPerInstance of 0, so target tracking scales in to MinCapacity (SageMaker's
   * auto-scaling prerequisites page, archived 2023: "SageMaker emits 0-valued metrics";
   * autoscaling.md §1.4 SM-PRE). `"none"`: the older reading, no invocation metrics in idle
   * minutes, so the alarms go INSUFFICIENT_DATA and nothing scales in (Application Auto
   * Scaling's target-tracking guide: no scaling on insufficient data). See
   * `sagemaker/endpoint_clock.ts`.
   * @default {"zero"}
   */
  idleInvocationMetrics: "zero" | "none";
  /**
   * Seconds an endpoint stays Deleting before it is gone. [INF]
   * @default {60}
   */
  endpointDeleteSeconds: number;
  /**
   * Seconds after its period ends that a standard (60 s) datapoint becomes visible to alarms
   * (CloudWatch delivery delay of SageMaker's standard metrics). [OBS] autoscaling.md §5: "real
   * lag ~2–3 min before AlarmHigh leaves INSUFFICIENT_DATA", "CloudWatch metrics have 2-3 minute
   * delay … AlarmHigh ~5 min to ALARM" (a public lab log), observed range 60–120 s. 120 s puts a
   * step load's first target-tracking scale-out 5 min after the load starts (3 datapoints + 2 min),
   * as observed, and its first scale-in 17 min after the load stops (15 datapoints + 2 min).
   * @default {120}
   */
  metricDelaySeconds: number;
  /**
   * Seconds a high-resolution (10 s) datapoint takes to become visible. [INF] autoscaling.md §9.6;
   * with it a 3-of-3 10 s AlarmHigh fires 40 s after a step load, inside the 30–60 s that AWS's
   * faster-autoscaling notebook reports (§6: "up to 6x faster").
   * @default {10}
   */
  highResolutionMetricDelaySeconds: number;
  /**
   * AlarmHigh of a standard target-tracking policy: 60 s, 3 of 3. [OBS] autoscaling.md §1.1.
   * @default {{ periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 3 }}
   */
  targetTrackingHigh: AlarmShape;
  /**
   * AlarmLow of a standard target-tracking policy: 60 s, 15 of 15. [OBS] autoscaling.md §1.1.
   * @default {{ periodSeconds: 60, evaluationPeriods: 15, datapointsToAlarm: 15 }}
   */
  targetTrackingLow: AlarmShape;
  /**
   * AlarmHigh of a high-resolution target-tracking policy: 10 s, 3 of 3. [DOC] autoscaling.md §1.1.
   * @default {{ periodSeconds: 10, evaluationPeriods: 3, datapointsToAlarm: 3 }}
   */
  highResolutionHigh: AlarmShape;
  /**
   * AlarmLow of a high-resolution target-tracking policy: 10 s, 90 of 90. [DOC] autoscaling.md §1.1.
   * @default {{ periodSeconds: 10, evaluationPeriods: 90, datapointsToAlarm: 90 }}
   */
  highResolutionLow: AlarmShape;
  /**
   * AlarmLow threshold as a fraction of the target value. [OBS] autoscaling.md §1.1.
   * @default {0.9}
   */
  scaleInThresholdRatio: number;
  /**
   * Seconds between re-invocations of an Auto Scaling action while its alarm stays in ALARM. [DOC] autoscaling.md §3.
   * @default {60}
   */
  alarmActionRepeatSeconds: number;
  /**
   * Periods an alarm evaluation fetches beyond its EvaluationPeriods N (CloudWatch's "evaluation
   * range", used when datapoints are missing). [DOC] 5 for N = 3 (CW-ALARM tables); [INF] N + 2
   * for every N. autoscaling.md §5.
   * @default {2}
   */
  alarmEvaluationRangeExtraPeriods: number;
  /**
   * Container invocation timeout in seconds; requests waiting longer fail as ModelError. [DOC] autoscaling.md §6.
   * @default {60}
   */
  invocationTimeoutSeconds: number;
  /**
   * Minutes of flat `Invocations` (while users keep growing) after which `FlatInvocations: Stop`
   * ends an Advanced job. AWS gives no window (inference-recommender.md §2) [INF]: 3 minutes is
   * as long as a target-tracking AlarmHigh needs to see a plateau, so a saturated fleet with no
   * scaling in sight stops, while a fleet that is scaling is not judged before its alarm could act.
   * @default {3}
   */
  flatInvocationsMinutes: number;
  /**
   * Relative growth below which one minute's `Invocations` count as "flat" versus the previous minute. [INF]
   * @default {0.01}
   */
  flatInvocationsTolerance: number;
  /**
   * Real seconds of load per ramp level of the local Default job's benchmark.
   * @default {2}
   */
  benchmarkSecondsPerLevel: number;
  /**
   * Most ramp levels the local Default job measures before it stops on its own.
   * @default {12}
   */
  benchmarkMaxLevels: number;
  /**
   * Seed for optional noise in the simulation; `undefined` means deterministic.
   * @default {undefined}
   */
  noiseSeed: number | undefined;
}

/** The defaults of {@linkcode LocalSettings}, each justified in its field's documentation. */
export const DEFAULT_LOCAL_SETTINGS: Readonly<LocalSettings> = Object.freeze({
  account: "000000000000",
  endpointCreateSeconds: 150,
  instanceStartSeconds: 240,
  endpointDeleteSeconds: 60,
  instanceDrainSeconds: 120,
  endpointSimulation: true,
  idleInvocationMetrics: "zero",
  metricDelaySeconds: 120,
  highResolutionMetricDelaySeconds: 10,
  // The alarms' shapes are AWS's, kept with the rules that use them (sim/policy_alarms.ts).
  ...TARGET_TRACKING_SHAPES,
  alarmActionRepeatSeconds: 60,
  alarmEvaluationRangeExtraPeriods: 2,
  invocationTimeoutSeconds: 60,
  flatInvocationsMinutes: 3,
  flatInvocationsTolerance: 0.01,
  benchmarkSecondsPerLevel: 2,
  benchmarkMaxLevels: 12,
  noiseSeed: undefined,
});

/**
 * Merges user overrides into settings, rejecting values that make no sense.
 *
 * @example Usage
 * ```ts
 * import { mergeLocalSettings, DEFAULT_LOCAL_SETTINGS } from "./settings.ts";
 * import assert from "node:assert/strict";
 * const s = mergeLocalSettings(DEFAULT_LOCAL_SETTINGS, { instanceStartSeconds: 120 });
 * assert.equal(s.instanceStartSeconds, 120);
 * ```
 */
export function mergeLocalSettings(
  base: Readonly<LocalSettings>,
  overrides: Partial<LocalSettings> = {},
): LocalSettings {
  const merged: LocalSettings = structuredClone({ ...base, ...dropUndefined(overrides) });
  for (const [key, value] of Object.entries(merged)) {
    if (key === "account" || key === "noiseSeed") continue;
    if (typeof value === "number" && !(Number.isFinite(value) && value >= 0)) {
      throw new RangeError(
        `Cannot use local setting '${key}': it must be a finite number >= 0, current value is ${value}`,
      );
    }
  }
  if (merged.idleInvocationMetrics !== "zero" && merged.idleInvocationMetrics !== "none") {
    throw new RangeError(
      `Cannot use local setting 'idleInvocationMetrics': it must be "zero" or "none", current value is "${merged.idleInvocationMetrics}"`,
    );
  }
  if (!/^\d{12}$/.test(merged.account)) {
    throw new RangeError(
      `Cannot use local setting 'account': it must be 12 digits, current value is "${merged.account}"`,
    );
  }
  return merged;
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
