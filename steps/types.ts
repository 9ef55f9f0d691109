/**
 * The result of every walkthrough step, as DESIGN.md's data flow defines them. A step script's
 * `--json` output is its result; a later step reads earlier results with `--from FILE`.
 *
 * @module
 */
import type { AnalysisCrossing, AnalysisPoint as ChartAnalysisPoint } from "../charts/analysis.ts";
import type {
  EvaluationActivity,
  EvaluationPoint as ChartEvaluationPoint,
} from "../charts/evaluation.ts";
import type { ObserveAlarm, ObservePoint } from "../charts/observe.ts";
import type { CapacityProfile } from "../sim/profile.ts";
import type { ScalingConfig } from "./scaling_requests.ts";

/** Kinds of resources a step can create (cleanup deletes them in dependency order). */
export type ResourceKind =
  | "s3-object"
  | "model-package-group"
  | "model-package"
  | "model"
  | "endpoint-config"
  | "endpoint"
  | "scalable-target"
  | "scaling-policy"
  | "alarm"
  | "scheduled-action"
  | "recommendation-job";

/** One entry of a `created[]` manifest: what a step made, enough to delete it. */
export interface CreatedResource {
  kind: ResourceKind;
  /** Name (or S3 URL, or ARN for model packages). */
  name: string;
  /** ARN when AWS gives one. */
  arn?: string;
  /** For auto-scaling resources: `endpoint/<ep>/variant/<variant>`. */
  resourceId?: string;
}

/** Common identity fields carried forward through every result. */
export interface StepContext {
  region: string;
  roleArn: string;
}

/** `prepare`: the model and payload in S3 and the container image. */
export interface PrepareResult extends StepContext {
  modelUrl: string;
  payloadUrl: string;
  containerImage: string;
  instanceType: string;
  framework: "xgboost";
  frameworkVersion: string;
  created: CreatedResource[];
}

/** `recommend`: the Default job's outcome. */
export interface RecommendResult extends StepContext {
  jobName: string;
  modelPackageArn: string;
  modelPackageGroupName: string;
  benchmarkEndpointName: string;
  benchmarkVariantName: string;
  instanceType: string;
  /** Requests per minute one instance sustained at saturation (the recommendation's MaxInvocations). */
  maxInvocations: number;
  /** Model latency at that load, ms. */
  modelLatencyMs: number;
  invocationStartTime: string;
  invocationEndTime: string;
  /** The measured capacity profile (local backend), if known. */
  profile?: CapacityProfile;
  /** Local backend: whether the machine was quiet while the benchmark ran (absent on AWS). */
  machine?: MachineRecord;
  /** Carried forward for later steps. */
  modelUrl: string;
  payloadUrl: string;
  containerImage: string;
  created: CreatedResource[];
}

/** One minute of the analysed benchmark (the charts' point, plus its errors). */
export interface AnalysisPoint extends ChartAnalysisPoint {
  /** Failed invocations in that minute. */
  errors?: number;
}

/** What a result records about the machine its local benchmark ran on (`steps/machine_lock.ts`). */
export interface MachineRecord {
  /**
   * The machine was quiet by the rule of `isQuietMachine` (`steps/machine_lock.ts`): the lock was
   * held throughout and the start load average was below half the cores.
   */
  quiet: boolean;
  /**
   * True: the benchmark held the machine-wide lock from start to end (the lock file still was its
   * own when it released it). No other benchmark of this toolkit can run while one holds it, so
   * none ran meanwhile; false only if someone removed the lock file by hand during the run. Says
   * nothing about other programs: see `loadAverage`.
   */
  lockHeldThroughout: boolean;
  /**
   * The machine's 1-minute load average when the lock was taken and when it was released (null:
   * unreadable, e.g. without `--allow-sys=loadavg`). The end reading includes the benchmark's own
   * load.
   */
  loadAverage: { start: number | null; end: number | null };
  /** The machine's logical cores, the scale of `loadAverage`. */
  cores: number;
  /** How long the step waited for another benchmark to finish first, ms. */
  waitedMs: number;
}

/** `analyze`: the saturation curve and the scaling limits read from it. */
export interface AnalyzeResult {
  /** Maximum invocations per minute (one instance), ignoring minutes with errors over 1 %. */
  maxValue: number;
  upperLimit: number;
  lowerLimit: number;
  upperPercent: number;
  lowerPercent: number;
  crossings: AnalysisCrossing[];
  series: AnalysisPoint[];
  /** Which window was read and why. */
  window: { start: string; end: string; source: "invocation-window" | "fallback" };
}

/** `plan`: capacities and the target value. */
export interface PlanResult {
  maxTps: number;
  minTps: number;
  growthFactor: number;
  upperLimit: number;
  tpsSingleInstance: number;
  minCapacity: number;
  maxCapacity: number;
  invocationsPerInstance: number;
  pricePerHour?: number;
  costPerHourAtMin?: number;
  costPerHourAtMax?: number;
  /**
   * The TPS range as given, when it was read as traffic for the original's instance and scaled
   * to this one (`plan --scale-to-instance`); `maxTps` and `minTps` are then the scaled values.
   */
  scaledFrom?: { maxTps: number; minTps: number; upperLimit: number };
  /** What makes this plan a poor test of a scaling policy, and what to pass instead. */
  warnings?: string[];
}

/** A scaling policy the scale step put. */
export interface PolicySummary {
  name: string;
  arn: string;
  type: "TargetTrackingScaling" | "StepScaling";
  metric: string;
  targetValue?: number;
  alarmNames: string[];
}

/** `scale`: the endpoint and what scales it. */
export interface ScaleResult extends StepContext {
  endpointName: string;
  variantName: string;
  /**
   * The scaling configuration that was applied (what `export` writes as CloudFormation or
   * Terraform); absent after `--clear`, which removes it.
   */
  config?: ScalingConfig;
  policies: PolicySummary[];
  alarms: string[];
  scheduledActions: string[];
  created: CreatedResource[];
}

/** One minute of an evaluation (as the evaluation chart draws it). */
export type EvaluationPoint = ChartEvaluationPoint;

/** A scaling activity seen during an evaluation. */
export interface ActivitySummary extends EvaluationActivity {
  /** Why it happened (the alarm and policy), as Application Auto Scaling says it. */
  cause?: string;
}

/** `evaluate`: one Advanced job against the endpoint, and its verdict. */
export interface EvaluateResult {
  jobName: string;
  policyLabel: string;
  spawnRate: number;
  /** Length of the ramp in seconds (the traffic pattern's phase; the job may stop earlier). */
  rampSeconds?: number;
  /** Invocations per minute that must be reached (max TPS x 60). */
  expectation: number;
  maxInvocationsRealized: number;
  /** Minutes from the job's start until a minute reached the expectation; null when never. */
  minutesToExpectation: number | null;
  instanceMinutes: number;
  worstP95Ms: number | null;
  stopReason: string;
  passed: boolean;
  reasons: string[];
  series: EvaluationPoint[];
  activities: ActivitySummary[];
  created: CreatedResource[];
}

export type { ObserveAlarm, ObservePoint };

/** `observe`: an endpoint watched while time passed. */
export interface ObserveResult {
  endpointName: string;
  variantName: string;
  /** When the watch started and ended, ISO 8601 (the backend's clock). */
  start: string;
  end: string;
  minutes: number;
  /** The variant's instance type, when its endpoint configuration names one. */
  instanceType?: string;
  /** The scalable target's band, when the variant is registered for scaling. */
  minCapacity?: number;
  maxCapacity?: number;
  /** Price of one instance per hour, in dollars (`cloud/instance_types.ts`), when known. */
  pricePerHour?: number;
  /** One point per minute of the window. */
  series: ObservePoint[];
  /** The alarms of the variant's scaling policies, their state per minute. */
  alarms: ObserveAlarm[];
  /** Scaling activities that started in the window. */
  activities: ActivitySummary[];
  /** Instances InService summed over the window's minutes. */
  instanceMinutes: number;
  /** What the window cost: instance-minutes x price per hour / 60, when the price is known. */
  costDollars?: number;
}

/** `cleanup`: what was deleted. */
export interface CleanupResult {
  deleted: CreatedResource[];
  alreadyGone: CreatedResource[];
  /** Kept on purpose, with why (a finished Inference Recommender job cannot be deleted). */
  kept: { resource: CreatedResource; why: string }[];
  failed: { resource: CreatedResource; error: string }[];
}

/** `walkthrough`: everything, in order. */
export interface WalkthroughResult {
  prepared: PrepareResult;
  recommendation: RecommendResult;
  analysis: AnalyzeResult;
  plan: PlanResult;
  evaluations: EvaluateResult[];
  /** After each evaluation (same order), the scale-in tail watched with `observe`. */
  tails: ObserveResult[];
  cleanup: CleanupResult;
}
