/**
 * The scaling configuration a sweep candidate is: the same shape that `scale` applies
 * (`steps/scaling_requests.ts` `ScalingConfig`), restated here structurally so that the pure
 * simulator does not depend on the step layer. Any `ScalingConfig` is a {@linkcode SweepCandidate}.
 *
 * @module
 */

/** A target-tracking policy (`TargetTrackingSpec`). */
export interface CandidateTargetTracking {
  /** `invocations` (InvocationsPerInstance), `concurrency` (high resolution) or `cpu`. */
  metric: "invocations" | "concurrency" | "cpu";
  /** TargetValue; for `cpu` a percentage per vCPU. */
  target: number;
  /** Seconds. @default {300} */
  scaleOutCooldown?: number;
  /** Seconds. @default {300} */
  scaleInCooldown?: number;
  /** @default {false} */
  disableScaleIn?: boolean;
}

/** A step policy on InvocationsPerInstance with its alarm (`StepScalingSpec`). */
export interface CandidateStepScaling {
  label: string;
  /** Alarm threshold on InvocationsPerInstance (Sum per minute). */
  threshold: number;
  /** Bounds relative to the threshold; adjustments in instances (ChangeInCapacity). */
  steps: { lower?: number; upper?: number; adjustment: number }[];
  /** Seconds. @default {300} */
  cooldown?: number;
  /** Alarm: consecutive one-minute datapoints at or above the threshold. @default {1} */
  evaluationPeriods?: number;
}

/** A scheduled action (`ScheduledActionSpec`). */
export interface CandidateScheduledAction {
  name: string;
  /** `at(...)`, `rate(...)` or `cron(...)`. */
  schedule: string;
  /** IANA time zone. @default {"UTC"} */
  timezone?: string;
  minCapacity?: number;
  maxCapacity?: number;
}

/** One candidate scaling configuration. */
export interface SweepCandidate {
  /** Names the candidate, e.g. `tt-invocations-50%`. */
  label: string;
  /** Instance type of the variant. */
  instanceType: string;
  minCapacity: number;
  maxCapacity: number;
  targetTracking?: CandidateTargetTracking[];
  stepScaling?: CandidateStepScaling[];
  scheduledActions?: CandidateScheduledAction[];
}
