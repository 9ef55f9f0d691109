/**
 * The local CloudWatch alarms as kept in the store: the alarm, its action state and history, the
 * errors the alarm operations raise, and the store helpers other local services use (getAlarm,
 * recordAlarmHistory, the evaluation event).
 *
 * @module
 */
import type { AlarmState, ComparisonOperator, TreatMissingData } from "../../../sim/alarm_eval.ts";
import { arnPrefix, type LocalContext } from "../kernel/context.ts";
import { errorFactory } from "../kernel/errors.ts";
import * as cw from "@aws-sdk/client-cloudwatch";

export const fail = errorFactory(cw, cw.CloudWatchServiceException);
export const missingParameter = (name: string) =>
  fail("MissingRequiredParameterException", `The parameter ${name} is required.`, 400);
export const invalidValue = (m: string) => fail("InvalidParameterValueException", m, 400);
export const combination = (m: string) => fail("InvalidParameterCombinationException", m, 400);
export const validationError = (m: string) => fail("ValidationError", m, 400);
export const notFound = (m: string) => fail("ResourceNotFound", m, 404);

/** Store kind of alarms (id: AlarmName). */
export const ALARM_KIND = "cloudwatch-alarm";
/** Store kind of an alarm's StateReasonData (id: AlarmName). */
export const ALARM_REASON_DATA_KIND = "cloudwatch-alarm-reason-data";
/** Store kind of alarm history items (id: `<encoded AlarmName>/<timestamp>/<seq>`). */
export const ALARM_HISTORY_KIND = "cloudwatch-alarm-history";
/** Simulation event that evaluates every alarm due at its time (ref: `"alarms"`). */
export const ALARM_EVALUATION_EVENT = "cloudwatch-alarm-evaluation";
/**
 * Simulation event by which an alarm invokes an Application Auto Scaling policy (ref: the
 * policy ARN as listed in the alarm's actions; payload: {@linkcode ScalingPolicyInvocation}).
 * The local Application Auto Scaling registers its handler.
 */
export const SCALING_POLICY_INVOCATION_EVENT = "application-autoscaling-policy-invocation";

export const HISTORY_RETENTION_MS = 14 * 86_400_000;

export const DAY_SECONDS = 86_400;

/** What an alarm tells the scaling policy it invokes. */
export interface ScalingPolicyInvocation {
  /** The action ARN as the alarm lists it (target tracking adds `:createdBy/<uuid>`). */
  policyArn: string;
  alarmName: string;
  alarmArn: string;
  /** The state the alarm is in (normally ALARM). */
  state: AlarmState;
  threshold: number;
  comparisonOperator: ComparisonOperator;
  /** The real datapoints of the evaluation that put or keeps the alarm in this state, oldest first. */
  datapoints: { timestamp: number; value: number }[];
}

/** An alarm as stored: the MetricAlarm fields (times in epoch ms) plus local bookkeeping. */
export interface AlarmRecord {
  AlarmName: string;
  AlarmArn: string;
  AlarmDescription?: string;
  AlarmConfigurationUpdatedTimestamp: number;
  ActionsEnabled: boolean;
  OKActions: string[];
  AlarmActions: string[];
  InsufficientDataActions: string[];
  StateValue: AlarmState;
  StateReason: string;
  StateUpdatedTimestamp: number;
  StateTransitionedTimestamp: number;
  MetricName: string;
  Namespace: string;
  Statistic?: string;
  ExtendedStatistic?: string;
  Dimensions: { Name: string; Value: string }[];
  Period: number;
  Unit?: string;
  EvaluationPeriods: number;
  DatapointsToAlarm: number;
  Threshold: number;
  ComparisonOperator: ComparisonOperator;
  TreatMissingData: TreatMissingData;
  EvaluateLowSampleCountPercentile?: string;
  Tags?: { Key: string; Value: string }[];
}

/**
 * Store kind of an alarm's action bookkeeping (id: AlarmName; {@linkcode AlarmActionState}),
 * kept apart from the alarm so that the alarm document does not change every minute while its
 * Auto Scaling actions repeat.
 */
export const ALARM_ACTION_STATE_KIND = "cloudwatch-alarm-action-state";

/** An alarm's action bookkeeping. */
export interface AlarmActionState {
  /** When Auto Scaling actions last ran, for the repeat while the state holds. */
  lastScalingActionAt?: number;
  /** When old history was last pruned. */
  lastPrunedAt?: number;
}

export function actionState(ctx: LocalContext, alarmName: string): AlarmActionState {
  return ctx.store.peekDoc<AlarmActionState>(ALARM_ACTION_STATE_KIND, alarmName) ?? {};
}

export function putActionState(
  ctx: LocalContext,
  update: { alarmName: string; state: AlarmActionState },
): void {
  const { alarmName, state } = update;
  const doc: AlarmActionState = {};
  if (state.lastScalingActionAt !== undefined) {
    doc.lastScalingActionAt = state.lastScalingActionAt;
  }
  if (state.lastPrunedAt !== undefined) doc.lastPrunedAt = state.lastPrunedAt;
  ctx.store.putDoc(ALARM_ACTION_STATE_KIND, alarmName, doc);
}

/** The periods (seconds) CloudWatch evaluates every 10 s instead of every minute. */
export function isHighResolution(period: number): boolean {
  return period < 60;
}

export function alarmArn(ctx: LocalContext, name: string): string {
  return `${arnPrefix(ctx, "cloudwatch")}alarm:${name}`;
}

/**
 * Whether an action ARN names an Application Auto Scaling scaling policy (not an EC2 Auto
 * Scaling group policy, nor an SNS topic).
 *
 * @example Usage
 * ```ts
 * import { isScalingPolicyArn } from "./alarm_records.ts";
 * import assert from "node:assert/strict";
 * assert.ok(isScalingPolicyArn(
 *   "arn:aws:autoscaling:us-east-1:000000000000:scalingPolicy:0d4d0d4d-0000-4000-8000-000000000000:resource/sagemaker/endpoint/ep/variant/v:policyName/p",
 * ));
 * assert.ok(!isScalingPolicyArn("arn:aws:sns:us-east-1:000000000000:alerts"));
 * ```
 */
export function isScalingPolicyArn(arn: string): boolean {
  return /^arn:aws[\w-]*:autoscaling:[^:]*:\d*:scalingPolicy:[^:]+:resource\//.test(arn);
}

/**
 * Every action of an alarm, of all three states (ALARM, OK, INSUFFICIENT_DATA).
 *
 * @example Usage
 * ```ts
 * import { allActions } from "./alarm_records.ts";
 * import assert from "node:assert/strict";
 * const alarm = { AlarmActions: ["a"], OKActions: ["o"], InsufficientDataActions: [] };
 * assert.deepEqual(allActions(alarm), ["a", "o"]);
 * ```
 */
export function allActions(
  alarm: Pick<AlarmRecord, "AlarmActions" | "OKActions" | "InsufficientDataActions">,
): string[] {
  return [...alarm.AlarmActions, ...alarm.OKActions, ...alarm.InsufficientDataActions];
}

// ---------------------------------------------------------------------------------------------
// Store helpers other local services use

/**
 * A stored alarm, or undefined.
 *
 * @example Usage
 * ```ts ignore
 * const alarm = getAlarm(ctx, "TargetTracking-endpoint/ep/variant/v-AlarmHigh-…");
 * console.log(alarm?.StateValue);
 * ```
 */
export function getAlarm(ctx: LocalContext, name: string): AlarmRecord | undefined {
  return ctx.store.getDoc<AlarmRecord>(ALARM_KIND, name);
}

/** An alarm history item as stored (kind {@linkcode ALARM_HISTORY_KIND}). */
export interface AlarmHistoryRecord {
  AlarmName: string;
  /** Epoch milliseconds. */
  Timestamp: number;
  HistoryItemType: "ConfigurationUpdate" | "StateUpdate" | "Action";
  HistorySummary: string;
  /** JSON. */
  HistoryData: string;
}

/**
 * Appends an item to an alarm's history (kept two weeks). The local Application Auto Scaling
 * uses it to record what became of an action, as AWS does ("Failed to execute AutoScaling
 * action: …").
 *
 * @example Usage
 * ```ts ignore
 * recordAlarmHistory(ctx, { alarmName: "my-alarm", type: "Action", summary: "Successfully executed action arn:…" });
 * ```
 */
export function recordAlarmHistory(
  ctx: LocalContext,
  entry: {
    /** The alarm. */
    alarmName: string;
    /** HistoryItemType. */
    type: AlarmHistoryRecord["HistoryItemType"];
    /** HistorySummary. */
    summary: string;
    /**
     * HistoryData (stored as JSON).
     * @default {{}}
     */
    data?: unknown;
  },
): void {
  const { alarmName, type, summary, data = {} } = entry;
  const now = ctx.store.now();
  const prefix = `${historyPrefix(alarmName)}${String(now).padStart(15, "0")}/`;
  const item: AlarmHistoryRecord = {
    AlarmName: alarmName,
    Timestamp: now,
    HistoryItemType: type,
    HistorySummary: summary,
    HistoryData: JSON.stringify(data),
  };
  ctx.store.putDoc(ALARM_HISTORY_KIND, `${prefix}${ctx.runtime.ids.next()}`, item);
}

/** The id prefix of an alarm's history items (encoded, so no name is a prefix of another's). */
export function historyPrefix(alarmName: string): string {
  return `${encodeURIComponent(alarmName)}/`;
}

/** Drops history older than two weeks; at most once per simulated hour per alarm. */
export function pruneHistory(
  ctx: LocalContext,
  alarm: Readonly<AlarmRecord>,
  state: AlarmActionState = actionState(ctx, alarm.AlarmName),
): void {
  const now = ctx.store.now();
  if (state.lastPrunedAt !== undefined && now - state.lastPrunedAt < 3_600_000) return;
  putActionState(ctx, { alarmName: alarm.AlarmName, state: { ...state, lastPrunedAt: now } });
  const alarmName = alarm.AlarmName;
  const cutoff = now - HISTORY_RETENTION_MS;
  for (
    const item of ctx.store.listDocs<AlarmHistoryRecord>(
      ALARM_HISTORY_KIND,
      historyPrefix(alarmName),
    )
  ) {
    if (item.doc.Timestamp >= cutoff) break;
    ctx.store.deleteDoc(ALARM_HISTORY_KIND, item.id);
  }
}

/** How often (ms) an alarm of this period is evaluated: every 10 s if high-resolution, else 60 s. */
export function evaluationStepMs(period: number): number {
  return isHighResolution(period) ? 10_000 : 60_000;
}

/** The next 10 s mark after `t` if any alarm has a high-resolution period, else the next minute. */
export function nextEvaluation(
  alarms: readonly { doc: Readonly<AlarmRecord> }[],
  t: number,
): number {
  const step = Math.min(60_000, ...alarms.map((a) => evaluationStepMs(a.doc.Period)));
  return Math.floor(t / step) * step + step;
}

/** Queues the next evaluation at the next 10 s or 60 s mark, whichever the alarms need. */
export function ensureEvaluation(ctx: LocalContext): void {
  const alarms = ctx.store.listDocs<AlarmRecord>(ALARM_KIND);
  if (alarms.length === 0) {
    ctx.store.cancelEvents(ALARM_EVALUATION_EVENT);
    return;
  }
  const due = nextEvaluation(alarms, ctx.store.now());
  const queued = ctx.store.listEvents(ALARM_EVALUATION_EVENT);
  if (queued.length === 1 && queued[0].due <= due) return;
  ctx.store.cancelEvents(ALARM_EVALUATION_EVENT);
  ctx.store.schedule(due, ALARM_EVALUATION_EVENT, "alarms");
}
