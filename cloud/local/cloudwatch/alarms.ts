/**
 * The local CloudWatch alarms stand-in: PutMetricAlarm, DescribeAlarms, DeleteAlarms,
 * SetAlarmState, DescribeAlarmHistory, EnableAlarmActions and DisableAlarmActions on the real
 * `@aws-sdk/client-cloudwatch` commands, evaluated on the simulated clock.
 *
 * Rules and sources (`../shared/spec/autoscaling.md` §5 unless noted):
 * - Evaluation: every 60 s for alarms with a period of 60 s or more, every 10 s for 10/30 s
 *   (high-resolution) periods, on a sliding window; one simulation event drives all alarms and is
 *   queued only while alarms exist. Evaluations fall on multiples of 60 s / 10 s of epoch time.
 * - A datapoint for the period `[t, t + Period)` is visible to alarms from
 *   `t + Period + settings.metricDelaySeconds` (`highResolutionMetricDelaySeconds` for 10/30 s
 *   alarms) [INF §5, §9.6]; an evaluation uses the newest visible period and the ones before it.
 * - State: M of N over an evaluation range of N + `settings.alarmEvaluationRangeExtraPeriods`
 *   periods (default 2: CW-ALARM shows 5 for N = 3 [DOC], the same +2 for every N [INF]) with
 *   TreatMissingData and the premature-alarm rule (`alarm_eval.ts`); the period's value is the
 *   alarm's Statistic or ExtendedStatistic over the stored rows (`metric_stats.ts`), only rows of
 *   the alarm's Unit when it has one.
 * - Actions: on a transition into a state, the state's actions run. An action that is an
 *   Application Auto Scaling policy ARN (`arn:aws:autoscaling:…:scalingPolicy:…:resource/…`) is
 *   invoked through a {@linkcode SCALING_POLICY_INVOCATION_EVENT} at the same instant, and again
 *   every `settings.alarmActionRepeatSeconds` while the alarm stays in that state (CW-ALARM:
 *   "for Auto Scaling actions, the alarm continues to invoke the action for every period that
 *   the alarm remains in the new state"; spec §3). Other actions (SNS topics, EC2 actions) are
 *   recorded in the alarm history and do nothing locally. `ActionsEnabled: false` runs none.
 * - SetAlarmState sets the state until the next evaluation (and runs the new state's actions).
 * - PutMetricAlarm on an existing alarm replaces its configuration and keeps its state
 *   (PutMetricAlarm API reference). History is kept two weeks.
 * - Validation (error names as the SDK models them; wording: "DatapointsToAlarm must be less than
 *   or equal to EvaluationPeriods" [OBS] hashicorp/terraform#24070; the rest [INF]): period 10, 30
 *   or a multiple of 60; EvaluationPeriods × Period ≤ 86,400 s; exactly one of Statistic and
 *   ExtendedStatistic; static-threshold operators only. Metric math (`Metrics` with an
 *   `Expression`) and anomaly-detection bands are not evaluated locally and fail clearly; a
 *   `Metrics` list holding a single `MetricStat` is accepted as that metric.
 *
 * @module
 */
import * as cw from "@aws-sdk/client-cloudwatch";
import type {
  AlarmHistoryItem,
  DeleteAlarmsInput,
  DescribeAlarmHistoryInput,
  DescribeAlarmHistoryOutput,
  DescribeAlarmsInput,
  DescribeAlarmsOutput,
  DisableAlarmActionsInput,
  EnableAlarmActionsInput,
  MetricAlarm,
  PutMetricAlarmInput,
  SetAlarmStateInput,
} from "@aws-sdk/client-cloudwatch";
import {
  type AlarmDatapoint,
  type AlarmEvaluationInput,
  type AlarmState,
  COMPARISON_OPERATORS,
  type ComparisonOperator,
  evaluateAlarm,
  evaluationRange,
  stateReason,
  TREAT_MISSING_DATA,
  type TreatMissingData,
} from "../../../sim/alarm_eval.ts";
import { arnPrefix, type LocalContext, type LocalRuntime } from "../kernel/context.ts";
import { errorFactory } from "../kernel/errors.ts";
import { parseStatistic, statistic } from "../../../sim/metric_stats.ts";
import { NotImplementedLocallyError, type OperationHandler } from "../kernel/dispatch.ts";
import { dimensionsKey, type SimEvent, type Store, type StoredMetricRow } from "../kernel/store.ts";

const fail = errorFactory(cw, cw.CloudWatchServiceException);
const missingParameter = (name: string) =>
  fail("MissingRequiredParameterException", `The parameter ${name} is required.`, 400);
const invalidValue = (m: string) => fail("InvalidParameterValueException", m, 400);
const combination = (m: string) => fail("InvalidParameterCombinationException", m, 400);
const validationError = (m: string) => fail("ValidationError", m, 400);
const notFound = (m: string) => fail("ResourceNotFound", m, 404);

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

const HISTORY_RETENTION_MS = 14 * 86_400_000;

let sequence = 0;
/**
 * Orders ids made in the same millisecond: a per-process counter, then a random tag so that two
 * processes sharing the store never collide (their relative order within a millisecond is moot).
 */
function sequenceId(): string {
  sequence++;
  return `${String(sequence).padStart(12, "0")}-${crypto.randomUUID().slice(0, 8)}`;
}
const DAY_SECONDS = 86_400;

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

function actionState(ctx: LocalContext, alarmName: string): AlarmActionState {
  return ctx.store.peekDoc<AlarmActionState>(ALARM_ACTION_STATE_KIND, alarmName) ?? {};
}

function putActionState(ctx: LocalContext, alarmName: string, state: AlarmActionState): void {
  const doc: AlarmActionState = {};
  if (state.lastScalingActionAt !== undefined) {
    doc.lastScalingActionAt = state.lastScalingActionAt;
  }
  if (state.lastPrunedAt !== undefined) doc.lastPrunedAt = state.lastPrunedAt;
  ctx.store.putDoc(ALARM_ACTION_STATE_KIND, alarmName, doc);
}

/** The periods (seconds) CloudWatch evaluates every 10 s instead of every minute. */
function isHighResolution(period: number): boolean {
  return period < 60;
}

function alarmArn(ctx: LocalContext, name: string): string {
  return `${arnPrefix(ctx, "cloudwatch")}alarm:${name}`;
}

/**
 * Whether an action ARN names an Application Auto Scaling scaling policy (not an EC2 Auto
 * Scaling group policy, nor an SNS topic).
 *
 * @example Usage
 * ```ts
 * import { isScalingPolicyArn } from "./alarms.ts";
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
interface AlarmHistoryRecord {
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
 * recordAlarmHistory(ctx, "my-alarm", "Action", "Successfully executed action arn:…");
 * ```
 */
export function recordAlarmHistory(
  ctx: LocalContext,
  alarmName: string,
  type: AlarmHistoryRecord["HistoryItemType"],
  summary: string,
  data: unknown = {},
): void {
  const now = ctx.store.now();
  const prefix = `${historyPrefix(alarmName)}${String(now).padStart(15, "0")}/`;
  const item: AlarmHistoryRecord = {
    AlarmName: alarmName,
    Timestamp: now,
    HistoryItemType: type,
    HistorySummary: summary,
    HistoryData: JSON.stringify(data),
  };
  ctx.store.putDoc(ALARM_HISTORY_KIND, `${prefix}${sequenceId()}`, item);
}

/** The id prefix of an alarm's history items (encoded, so no name is a prefix of another's). */
function historyPrefix(alarmName: string): string {
  return `${encodeURIComponent(alarmName)}/`;
}

/** Drops history older than two weeks; at most once per simulated hour per alarm. */
function pruneHistory(
  ctx: LocalContext,
  alarm: Readonly<AlarmRecord>,
  state: AlarmActionState = actionState(ctx, alarm.AlarmName),
): void {
  const now = ctx.store.now();
  if (state.lastPrunedAt !== undefined && now - state.lastPrunedAt < 3_600_000) return;
  putActionState(ctx, alarm.AlarmName, { ...state, lastPrunedAt: now });
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

/** The next 10 s mark after `t` if any alarm has a high-resolution period, else the next minute. */
function nextEvaluation(alarms: readonly { doc: Readonly<AlarmRecord> }[], t: number): number {
  const step = alarms.some((a) => isHighResolution(a.doc.Period)) ? 10_000 : 60_000;
  return Math.floor(t / step) * step + step;
}

/** Queues the next evaluation at the next 10 s or 60 s mark, whichever the alarms need. */
function ensureEvaluation(ctx: LocalContext): void {
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

// ---------------------------------------------------------------------------------------------
// PutMetricAlarm

/**
 * Creates or replaces an alarm after CloudWatch's validation (the handler of PutMetricAlarm; the
 * local Application Auto Scaling calls it for the alarms target tracking creates).
 *
 * @example Usage
 * ```ts ignore
 * putMetricAlarm(ctx, { AlarmName: "cpu-high", Namespace: "/aws/sagemaker/Endpoints", MetricName: "CPUUtilization",
 *   Statistic: "Average", Period: 60, EvaluationPeriods: 1, Threshold: 80,
 *   ComparisonOperator: "GreaterThanThreshold", Dimensions: [...] });
 * ```
 */
export function putMetricAlarm(ctx: LocalContext, input: PutMetricAlarmInput): AlarmRecord {
  const config = validateAlarmInput(input);
  return ctx.store.tx(() => {
    const now = ctx.store.now();
    const existing = getAlarm(ctx, config.AlarmName);
    const record: AlarmRecord = {
      ...config,
      AlarmArn: alarmArn(ctx, config.AlarmName),
      AlarmConfigurationUpdatedTimestamp: now,
      StateValue: existing?.StateValue ?? "INSUFFICIENT_DATA",
      StateReason: existing?.StateReason ?? "Unchecked: Initial alarm creation",
      StateUpdatedTimestamp: existing?.StateUpdatedTimestamp ?? now,
      StateTransitionedTimestamp: existing?.StateTransitionedTimestamp ?? now,
      Tags: input.Tags?.map((t) => ({ Key: t.Key!, Value: t.Value! })) ?? existing?.Tags,
    };
    if (record.Tags === undefined) delete record.Tags;
    ctx.store.putDoc(ALARM_KIND, record.AlarmName, record);
    recordAlarmHistory(
      ctx,
      record.AlarmName,
      "ConfigurationUpdate",
      existing ? `Alarm "${record.AlarmName}" updated` : `Alarm "${record.AlarmName}" created`,
      { version: "1.0", type: existing ? "Update" : "Create" },
    );
    ensureEvaluation(ctx);
    return record;
  });
}

type AlarmConfig = Omit<
  AlarmRecord,
  | "AlarmArn"
  | "AlarmConfigurationUpdatedTimestamp"
  | "StateValue"
  | "StateReason"
  | "StateUpdatedTimestamp"
  | "StateTransitionedTimestamp"
  | "Tags"
>;

function validateActions(list: string[] | undefined, name: string): string[] {
  const actions = list ?? [];
  if (actions.length > 5) {
    throw validationError(`The collection ${name} must not have a size greater than 5.`);
  }
  for (const a of actions) {
    if (typeof a !== "string" || !a.startsWith("arn:")) {
      throw validationError(`Invalid arn syntax: ${a}`);
    }
  }
  return [...actions];
}

function validateAlarmInput(input: PutMetricAlarmInput): AlarmConfig {
  const name = input.AlarmName;
  if (name === undefined || name === "") throw missingParameter("AlarmName");
  if (name.length > 255) {
    throw invalidValue("The parameter AlarmName must be shorter than 256 characters.");
  }
  // deno-lint-ignore no-control-regex
  if (!/^[\x00-\x7f]*$/.test(name)) {
    throw invalidValue(`The parameter AlarmName "${name}" must contain only ASCII characters.`);
  }
  let metricName = input.MetricName;
  let namespace = input.Namespace;
  let dimensions = input.Dimensions;
  let period = input.Period;
  let stat = input.Statistic as string | undefined;
  let extended = input.ExtendedStatistic;
  let unit = input.Unit as string | undefined;
  if (input.ThresholdMetricId !== undefined) {
    throw new NotImplementedLocallyError(
      "CloudWatch",
      "PutMetricAlarm with an anomaly detection band (ThresholdMetricId)",
    );
  }
  if (input.Metrics !== undefined) {
    if (
      metricName !== undefined || namespace !== undefined || stat !== undefined ||
      extended !== undefined
    ) {
      throw combination(
        "Metrics cannot be combined with MetricName, Namespace, Statistic or ExtendedStatistic: give one or the other",
      );
    }
    const queries = input.Metrics;
    if (
      queries.length !== 1 || queries[0].MetricStat === undefined ||
      queries[0].Expression !== undefined
    ) {
      throw new NotImplementedLocallyError(
        "CloudWatch",
        "PutMetricAlarm with metric math (Metrics with an Expression or several queries)",
      );
    }
    const ms = queries[0].MetricStat;
    metricName = ms.Metric?.MetricName;
    namespace = ms.Metric?.Namespace;
    dimensions = ms.Metric?.Dimensions;
    period = ms.Period;
    const parsed = ms.Stat === undefined ? undefined : parseStatistic(ms.Stat);
    if (parsed?.kind === "basic") stat = ms.Stat;
    else extended = ms.Stat;
    unit = ms.Unit ?? unit;
  }
  if (metricName === undefined || metricName === "") throw missingParameter("MetricName");
  if (namespace === undefined || namespace === "") throw missingParameter("Namespace");
  if ((stat === undefined) === (extended === undefined)) {
    throw combination("Exactly one of Statistic and ExtendedStatistic must be specified.");
  }
  if (
    stat !== undefined && !["SampleCount", "Average", "Sum", "Minimum", "Maximum"].includes(stat)
  ) {
    throw invalidValue(
      `The value ${stat} for parameter Statistic is invalid: use SampleCount, Average, Sum, Minimum or Maximum.`,
    );
  }
  if (extended !== undefined) {
    const parsed = parseStatistic(extended);
    if (parsed === undefined || parsed.kind === "basic") {
      throw invalidValue(`The value ${extended} for parameter ExtendedStatistic is invalid.`);
    }
    if (parsed.kind === "unsupported") {
      throw new NotImplementedLocallyError(
        "CloudWatch",
        `PutMetricAlarm with ExtendedStatistic ${extended}`,
      );
    }
  }
  if (period === undefined) throw missingParameter("Period");
  if (
    !(Number.isInteger(period) &&
      (period === 10 || period === 30 || (period > 0 && period % 60 === 0)))
  ) {
    throw invalidValue(
      `The parameter Period must be 10, 30 or a multiple of 60, got ${period}.`,
    );
  }
  const n = input.EvaluationPeriods;
  if (n === undefined) throw missingParameter("EvaluationPeriods");
  if (!(Number.isInteger(n) && n >= 1)) {
    throw invalidValue(`The parameter EvaluationPeriods must be a whole number >= 1, got ${n}.`);
  }
  if (n * period > DAY_SECONDS) {
    throw validationError(
      "Metrics cannot be checked across more than a day (EvaluationPeriods * Period must be <= 86400)",
    );
  }
  const m = input.DatapointsToAlarm ?? n;
  if (!(Number.isInteger(m) && m >= 1)) {
    throw invalidValue(`The parameter DatapointsToAlarm must be a whole number >= 1, got ${m}.`);
  }
  if (m > n) {
    throw validationError("DatapointsToAlarm must be less than or equal to EvaluationPeriods");
  }
  const op = input.ComparisonOperator as string | undefined;
  if (op === undefined) throw missingParameter("ComparisonOperator");
  if (!(COMPARISON_OPERATORS as readonly string[]).includes(op)) {
    if (Object.values(cw.ComparisonOperator).includes(op as cw.ComparisonOperator)) {
      throw new NotImplementedLocallyError(
        "CloudWatch",
        `PutMetricAlarm with ComparisonOperator ${op} (anomaly detection)`,
      );
    }
    throw invalidValue(`The value ${op} for parameter ComparisonOperator is invalid.`);
  }
  if (input.Threshold === undefined) throw missingParameter("Threshold");
  if (!Number.isFinite(input.Threshold)) {
    throw invalidValue(`The value ${input.Threshold} for parameter Threshold is invalid.`);
  }
  const treat = input.TreatMissingData ?? "missing";
  if (!(TREAT_MISSING_DATA as readonly string[]).includes(treat)) {
    throw validationError(
      `The value ${treat} for parameter TreatMissingData is invalid: use breaching, notBreaching, ignore or missing.`,
    );
  }
  const dims = (dimensions ?? []).map((d, i) => {
    if (!d?.Name) throw missingParameter(`Dimensions.member.${i + 1}.Name`);
    if (d.Value === undefined) throw missingParameter(`Dimensions.member.${i + 1}.Value`);
    return { Name: d.Name, Value: d.Value };
  });
  if (dims.length > 30) {
    throw invalidValue("The collection Dimensions must not have a size greater than 30.");
  }
  const config: AlarmConfig = {
    AlarmName: name,
    ActionsEnabled: input.ActionsEnabled ?? true,
    OKActions: validateActions(input.OKActions, "OKActions"),
    AlarmActions: validateActions(input.AlarmActions, "AlarmActions"),
    InsufficientDataActions: validateActions(
      input.InsufficientDataActions,
      "InsufficientDataActions",
    ),
    MetricName: metricName,
    Namespace: namespace,
    Dimensions: dims,
    Period: period,
    EvaluationPeriods: n,
    DatapointsToAlarm: m,
    Threshold: input.Threshold,
    ComparisonOperator: op as ComparisonOperator,
    TreatMissingData: treat as TreatMissingData,
  };
  if (input.AlarmDescription !== undefined) config.AlarmDescription = input.AlarmDescription;
  if (stat !== undefined) config.Statistic = stat;
  if (extended !== undefined) config.ExtendedStatistic = extended;
  if (unit !== undefined) config.Unit = unit;
  if (input.EvaluateLowSampleCountPercentile !== undefined) {
    config.EvaluateLowSampleCountPercentile = input.EvaluateLowSampleCountPercentile;
  }
  return config;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

/**
 * The evaluation range of an alarm at time `t`: N + `extraPeriods` periods (the setting
 * `alarmEvaluationRangeExtraPeriods`) ending with the newest period whose datapoint is visible at
 * `t` (published `Period` + the metric delay after it starts).
 *
 * @example Usage
 * ```ts
 * import { alarmWindow } from "./alarms.ts";
 * import assert from "node:assert/strict";
 * // 60 s periods, 60 s delay: at 10:04 the newest visible period is 10:02-10:03.
 * const t = Date.UTC(2026, 0, 1, 10, 4);
 * const w = alarmWindow(t, 60, 3, 60);
 * assert.equal(w.newest, Date.UTC(2026, 0, 1, 10, 2));
 * assert.equal(w.periods, 5);
 * ```
 */
export function alarmWindow(
  t: number,
  periodSeconds: number,
  evaluationPeriods: number,
  delaySeconds: number,
  extraPeriods = 2,
): { newest: number; periods: number; start: number; end: number } {
  const p = periodSeconds * 1000;
  const newest = Math.floor((t - delaySeconds * 1000) / p) * p - p;
  const periods = evaluationRange(evaluationPeriods, extraPeriods);
  return { newest, periods, start: newest - (periods - 1) * p, end: newest + p };
}

/** One period of a metric series as an alarm sees it. */
interface Bucket {
  /** The period's rows, in (timestamp, storage) order. */
  rows: StoredMetricRow[];
  /** The alarm's statistic over `rows`, computed when first needed. */
  value?: number;
}

/** An alarm's metric series, kept in memory between evaluations (see {@linkcode MetricFeed}). */
interface SeriesCache {
  /** What the series is for: a change of metric, period, unit or statistic starts afresh. */
  key: string;
  /** Which metric rows it takes: {@linkcode metricIdentity}. */
  metric: string;
  /** Period, ms. */
  periodMs: number;
  /** Only rows of this unit, when the alarm has one. */
  unit?: string;
  /** Start of the latest window read: windows only move forward, so older rows are dropped. */
  floor: number;
  buckets: Map<number, Bucket>;
}

/**
 * The metric rows of one store as the alarms of this process follow them. Evaluations run every
 * 10 or 60 s over up to 92 periods, so rather than re-reading each alarm's range each time, each
 * alarm keeps its periods' rows and values in memory, and one read per watched metric and
 * evaluation — of its rows stored since the last one (`Store.metricRowsSince`; rows are only
 * ever appended) — hands every new row, including rows published late into periods already
 * read, to the series that watch that metric.
 */
interface MetricFeed {
  /** Rows up to this position have been handed out. */
  position: number;
  /** The store's rollback count when the feed was made: a rollback may undo rows it handed out. */
  rollbacks: number;
  /** Series by alarm name. */
  series: Map<string, SeriesCache>;
  /** The watched metrics by {@linkcode metricIdentity}, with the series that watch them. */
  byMetric: Map<string, WatchedMetric>;
}

/** A metric some alarms watch. */
interface WatchedMetric {
  namespace: string;
  metricName: string;
  dimensions: { Name: string; Value: string }[];
  series: Set<SeriesCache>;
}

const feeds = new WeakMap<Store, MetricFeed>();

function metricIdentity(namespace: string, metricName: string, dimensionsKey: string): string {
  return `${namespace}\u0000${metricName}\u0000${dimensionsKey}`;
}

/** The store's feed, brought up to date with every metric row stored so far. */
function syncMetricFeed(store: Store): MetricFeed {
  let feed = feeds.get(store);
  if (feed === undefined || feed.rollbacks !== store.rollbacks) {
    feed = {
      position: store.lastMetricRowid(),
      rollbacks: store.rollbacks,
      series: new Map(),
      byMetric: new Map(),
    };
    feeds.set(store, feed);
    return feed;
  }
  const last = store.lastMetricRowid();
  if (last === feed.position) return feed;
  for (const watched of feed.byMetric.values()) {
    const rows = store.metricRowsSince(
      watched.namespace,
      watched.metricName,
      watched.dimensions,
      feed.position,
      last,
    );
    for (const row of rows) for (const series of watched.series) addRow(series, row);
  }
  feed.position = last;
  return feed;
}

/** Files a row into its period (rows older than the series' floor are of no window any more). */
function addRow(series: SeriesCache, row: StoredMetricRow): void {
  if (row.timestamp < series.floor) return;
  if (series.unit !== undefined && row.unit !== series.unit) return;
  const start = Math.floor(row.timestamp / series.periodMs) * series.periodMs;
  let bucket = series.buckets.get(start);
  if (bucket === undefined) {
    bucket = { rows: [] };
    series.buckets.set(start, bucket);
  }
  const rows = bucket.rows;
  let i = rows.length;
  while (
    i > 0 &&
    (rows[i - 1].timestamp > row.timestamp ||
      (rows[i - 1].timestamp === row.timestamp && rows[i - 1].rowid > row.rowid))
  ) i--;
  rows.splice(i, 0, row);
  delete bucket.value;
}

/** Forgets an alarm's series (the alarm was deleted, or its metric changed). */
function dropSeries(feed: MetricFeed, alarmName: string): void {
  const series = feed.series.get(alarmName);
  if (series === undefined) return;
  feed.series.delete(alarmName);
  const watched = feed.byMetric.get(series.metric);
  watched?.series.delete(series);
  if (watched?.series.size === 0) feed.byMetric.delete(series.metric);
}

/**
 * The alarm's metric, period by period, for the window `[from, to)` (the feed must be in sync).
 * A new series reads its range once; afterwards the feed brings it every new row.
 */
function metricSeries(
  feed: MetricFeed,
  store: Store,
  alarm: AlarmRecord,
  from: number,
  to: number,
): SeriesCache {
  const periodMs = alarm.Period * 1000;
  const dims = dimensionsKey(alarm.Dimensions);
  const stat = alarm.Statistic ?? alarm.ExtendedStatistic!;
  const key = JSON.stringify([
    alarm.Namespace,
    alarm.MetricName,
    dims,
    periodMs,
    alarm.Unit ?? null,
    stat,
  ]);
  let series = feed.series.get(alarm.AlarmName);
  if (series === undefined || series.key !== key || from < series.floor) {
    dropSeries(feed, alarm.AlarmName);
    series = {
      key,
      metric: metricIdentity(alarm.Namespace, alarm.MetricName, dims),
      periodMs,
      unit: alarm.Unit,
      floor: from,
      buckets: new Map(),
    };
    const rows = store.queryMetricRows(
      alarm.Namespace,
      alarm.MetricName,
      alarm.Dimensions,
      from,
      Number.MAX_SAFE_INTEGER,
      feed.position,
    );
    for (const row of rows) addRow(series, row);
    feed.series.set(alarm.AlarmName, series);
    let watched = feed.byMetric.get(series.metric);
    if (watched === undefined) {
      watched = {
        namespace: alarm.Namespace,
        metricName: alarm.MetricName,
        dimensions: alarm.Dimensions,
        series: new Set(),
      };
      feed.byMetric.set(series.metric, watched);
    }
    watched.series.add(series);
  }
  series.floor = from;
  if (series.buckets.size > 2 * (to - from) / periodMs + 8) {
    for (const start of series.buckets.keys()) if (start < from) series.buckets.delete(start);
  }
  return series;
}

/** The alarm's evaluation range at `t`, one value (or none) per period, oldest first. */
function collectDatapoints(
  ctx: LocalContext,
  alarm: AlarmRecord,
  t: number,
  feed: MetricFeed = syncMetricFeed(ctx.store),
): AlarmDatapoint[] {
  const delay = isHighResolution(alarm.Period)
    ? ctx.settings.highResolutionMetricDelaySeconds
    : ctx.settings.metricDelaySeconds;
  const w = alarmWindow(
    t,
    alarm.Period,
    alarm.EvaluationPeriods,
    delay,
    ctx.settings.alarmEvaluationRangeExtraPeriods,
  );
  const p = alarm.Period * 1000;
  const series = metricSeries(feed, ctx.store, alarm, w.start, w.end);
  const stat = alarm.Statistic ?? alarm.ExtendedStatistic!;
  const points: AlarmDatapoint[] = [];
  for (let i = 0; i < w.periods; i++) {
    const timestamp = w.start + i * p;
    const bucket = series.buckets.get(timestamp);
    if (bucket !== undefined && !("value" in bucket)) bucket.value = statistic(bucket.rows, stat);
    points.push({ timestamp, value: bucket?.value });
  }
  return points;
}

function evaluationInput(alarm: AlarmRecord, datapoints: AlarmDatapoint[]): AlarmEvaluationInput {
  return {
    datapoints,
    evaluationPeriods: alarm.EvaluationPeriods,
    datapointsToAlarm: alarm.DatapointsToAlarm,
    threshold: alarm.Threshold,
    comparisonOperator: alarm.ComparisonOperator,
    treatMissingData: alarm.TreatMissingData,
    currentState: alarm.StateValue,
  };
}

/**
 * The real datapoints an alarm would evaluate now, oldest first (the local Application Auto
 * Scaling reads the metric of every target-tracking policy this way before it scales in).
 *
 * @example Usage
 * ```ts ignore
 * const latest = alarmDatapoints(ctx, "TargetTracking-…-AlarmLow-…").at(-1)?.value;
 * ```
 */
export function alarmDatapoints(
  ctx: LocalContext,
  name: string,
): { timestamp: number; value: number }[] {
  const alarm = getAlarm(ctx, name);
  if (alarm === undefined) return [];
  const result = evaluateAlarm(
    evaluationInput(alarm, collectDatapoints(ctx, alarm, ctx.store.now())),
  );
  return result.evaluated.map((d) => ({ timestamp: d.timestamp, value: d.value! }));
}

function isoStamp(t: number): string {
  return new Date(t).toISOString().replace("Z", "+0000");
}

/**
 * Evaluates an alarm at `t` and returns the evaluated datapoints and the alarm: unchanged, or on
 * a transition a changed copy (for the caller to store).
 */
function evaluateOne(
  ctx: LocalContext,
  current: Readonly<AlarmRecord>,
  t: number,
  feed: MetricFeed,
): {
  alarm: Readonly<AlarmRecord>;
  transitioned: boolean;
  evaluated: { timestamp: number; value: number }[];
} {
  const datapoints = collectDatapoints(ctx, current, t, feed);
  const input = evaluationInput(current, datapoints);
  const result = evaluateAlarm(input);
  const evaluated = result.evaluated.map((d) => ({ timestamp: d.timestamp, value: d.value! }));
  if (result.state === current.StateValue) {
    return { alarm: current, transitioned: false, evaluated };
  }
  const alarm = JSON.parse(JSON.stringify(current)) as AlarmRecord;
  const reason = stateReason(input, result);
  const reasonData = {
    version: "1.0",
    queryDate: isoStamp(t),
    startDate: isoStamp(datapoints[0].timestamp),
    ...(alarm.Statistic
      ? { statistic: alarm.Statistic }
      : { extendedStatistic: alarm.ExtendedStatistic }),
    ...(alarm.Unit ? { unit: alarm.Unit } : {}),
    period: alarm.Period,
    recentDatapoints: datapoints.filter((d) => d.value !== undefined).map((d) => d.value),
    threshold: alarm.Threshold,
    evaluatedDatapoints: evaluated.toReversed().map((d) => ({
      timestamp: isoStamp(d.timestamp),
      value: d.value,
    })),
  };
  transition(ctx, alarm, result.state, reason, JSON.stringify(reasonData), t);
  return { alarm, transitioned: true, evaluated };
}

/** Moves an alarm to a new state (record only; the caller stores it) and writes the history. */
function transition(
  ctx: LocalContext,
  alarm: AlarmRecord,
  state: AlarmState,
  reason: string,
  reasonData: string | undefined,
  t: number,
): void {
  const old = { stateValue: alarm.StateValue, stateReason: alarm.StateReason };
  alarm.StateValue = state;
  alarm.StateReason = reason;
  // Kept apart from the alarm: it can be large (90 datapoints) and evaluations read alarms often.
  if (reasonData === undefined) ctx.store.deleteDoc(ALARM_REASON_DATA_KIND, alarm.AlarmName);
  else ctx.store.putDoc(ALARM_REASON_DATA_KIND, alarm.AlarmName, reasonData);
  alarm.StateUpdatedTimestamp = t;
  alarm.StateTransitionedTimestamp = t;
  // Auto Scaling actions of the new state run at once (runActions).
  const actions = actionState(ctx, alarm.AlarmName);
  if (actions.lastScalingActionAt !== undefined) {
    putActionState(ctx, alarm.AlarmName, { ...actions, lastScalingActionAt: undefined });
  }
  recordAlarmHistory(
    ctx,
    alarm.AlarmName,
    "StateUpdate",
    `Alarm updated from ${old.stateValue} to ${state}`,
    {
      version: "1.0",
      oldState: old,
      newState: { stateValue: state, stateReason: reason },
    },
  );
}

function actionsFor(alarm: Readonly<AlarmRecord>, state: AlarmState): string[] {
  return state === "ALARM"
    ? alarm.AlarmActions
    : state === "OK"
    ? alarm.OKActions
    : alarm.InsufficientDataActions;
}

/**
 * Runs the actions of the alarm's state: all of them on a transition, the Auto Scaling ones
 * again every `alarmActionRepeatSeconds` while the state holds (noted in the alarm's
 * {@linkcode ALARM_ACTION_STATE_KIND} document). Returns that bookkeeping as it then is.
 */
function runActions(
  ctx: LocalContext,
  alarm: Readonly<AlarmRecord>,
  transitioned: boolean,
  t: number,
  datapoints: { timestamp: number; value: number }[],
): AlarmActionState {
  const state = actionState(ctx, alarm.AlarmName);
  if (!alarm.ActionsEnabled) return state;
  const actions = actionsFor(alarm, alarm.StateValue);
  if (actions.length === 0) return state;
  const scaling = actions.filter(isScalingPolicyArn);
  const repeatDue = state.lastScalingActionAt === undefined ||
    t - state.lastScalingActionAt >= ctx.settings.alarmActionRepeatSeconds * 1000;
  if (transitioned) {
    for (const action of actions.filter((a) => !isScalingPolicyArn(a))) {
      recordAlarmHistory(
        ctx,
        alarm.AlarmName,
        "Action",
        `Successfully executed action ${action}`,
        { actionState: "Succeeded", notificationResource: action, stateUpdateTimestamp: t },
      );
    }
  }
  if (scaling.length === 0 || !(transitioned || repeatDue)) return state;
  const next = { ...state, lastScalingActionAt: t };
  putActionState(ctx, alarm.AlarmName, next);
  for (const action of scaling) {
    const invocation: ScalingPolicyInvocation = {
      policyArn: action,
      alarmName: alarm.AlarmName,
      alarmArn: alarm.AlarmArn,
      state: alarm.StateValue,
      threshold: alarm.Threshold,
      comparisonOperator: alarm.ComparisonOperator,
      datapoints,
    };
    ctx.store.schedule(t, SCALING_POLICY_INVOCATION_EVENT, action, invocation);
  }
  return next;
}

/**
 * Evaluates every alarm due at the event's time, runs actions, and queues the next evaluation.
 * Alarms are read frozen; an alarm document is rewritten only on a transition, so a quiet
 * evaluation (or one that only repeats Auto Scaling actions) writes no alarm.
 */
function onEvaluation(ctx: LocalContext, event: SimEvent): void {
  const t = event.due;
  const alarms = ctx.store.peekDocs<AlarmRecord>(ALARM_KIND);
  // Evaluations and actions write no metrics: one read of the new rows serves every alarm
  // (again after an alarm's failure, which rolls back and so resets the feed).
  let feed: MetricFeed | undefined;
  for (const { id, doc } of alarms) {
    const due = isHighResolution(doc.Period) ? t % 10_000 === 0 : t % 60_000 === 0;
    if (!due) continue;
    try {
      ctx.store.tx(() => {
        if (feed === undefined || feed.rollbacks !== ctx.store.rollbacks) {
          feed = syncMetricFeed(ctx.store);
        }
        const { alarm, transitioned, evaluated } = evaluateOne(ctx, doc, t, feed);
        if (transitioned) ctx.store.putDoc(ALARM_KIND, id, alarm);
        pruneHistory(ctx, alarm, runActions(ctx, alarm, transitioned, t, evaluated));
      });
    } catch (error) {
      // One broken alarm must not stop the others, nor the next evaluations.
      console.error(
        `local backend: alarm "${doc.AlarmName}" not evaluated: ${(error as Error).message}`,
      );
    }
  }
  // Series of alarms gone meanwhile (deleted by another process) are dropped.
  const live = feeds.get(ctx.store);
  if (live !== undefined && live.series.size > alarms.length) {
    const names = new Set(alarms.map((a) => a.id));
    for (const name of [...live.series.keys()]) if (!names.has(name)) dropSeries(live, name);
  }
  if (alarms.length === 0) return;
  ctx.store.cancelEvents(ALARM_EVALUATION_EVENT);
  ctx.store.schedule(nextEvaluation(alarms, t), ALARM_EVALUATION_EVENT, "alarms");
}

/**
 * Registers the alarm evaluation event handler.
 *
 * @example Usage
 * ```ts
 * import { ALARM_EVALUATION_EVENT, registerAlarmEvents } from "./alarms.ts";
 * import { LocalRuntime } from "../kernel/context.ts";
 * import assert from "node:assert/strict";
 * const runtime = new LocalRuntime();
 * registerAlarmEvents(runtime);
 * assert.ok(runtime.handlers.has(ALARM_EVALUATION_EVENT));
 * ```
 */
export function registerAlarmEvents(runtime: LocalRuntime): void {
  runtime.on(ALARM_EVALUATION_EVENT, onEvaluation);
}

/**
 * Deletes alarms by name, all or none: throws `ResourceNotFound` naming the missing ones. The
 * local Application Auto Scaling uses it for the alarms target tracking created.
 *
 * @example Usage
 * ```ts ignore
 * deleteAlarms(ctx, ["TargetTracking-endpoint/ep/variant/v-AlarmHigh-…"]);
 * ```
 */
export function deleteAlarms(ctx: LocalContext, names: readonly string[]): void {
  ctx.store.tx(() => {
    const unknown = names.filter((n) => getAlarm(ctx, n) === undefined);
    if (unknown.length > 0) {
      throw notFound(
        `${unknown.length} of the ${names.length} alarms were not found: ${
          unknown.map((n) => `"${n}"`).join(", ")
        }. No alarm was deleted`,
      );
    }
    const feed = feeds.get(ctx.store);
    for (const name of names) {
      if (feed !== undefined) dropSeries(feed, name);
      ctx.store.deleteDoc(ALARM_KIND, name);
      ctx.store.deleteDoc(ALARM_REASON_DATA_KIND, name);
      ctx.store.deleteDoc(ALARM_ACTION_STATE_KIND, name);
      for (const item of ctx.store.listDocs(ALARM_HISTORY_KIND, historyPrefix(name))) {
        ctx.store.deleteDoc(ALARM_HISTORY_KIND, item.id);
      }
    }
    ensureEvaluation(ctx);
  });
}

/**
 * Removes actions from every alarm (Application Auto Scaling does this when a policy goes:
 * "Deleting a step scaling policy deletes the underlying alarm action, but does not delete the
 * CloudWatch alarm" — DeleteScalingPolicy API reference).
 *
 * @example Usage
 * ```ts ignore
 * removeAlarmActions(ctx, (arn) => arn.startsWith(policyArn));
 * ```
 */
export function removeAlarmActions(ctx: LocalContext, drop: (action: string) => boolean): void {
  for (const { id, doc } of ctx.store.listDocs<AlarmRecord>(ALARM_KIND)) {
    const keep = (list: string[]) => list.filter((a) => !drop(a));
    const next = {
      ...doc,
      AlarmActions: keep(doc.AlarmActions),
      OKActions: keep(doc.OKActions),
      InsufficientDataActions: keep(doc.InsufficientDataActions),
    };
    const changed = next.AlarmActions.length !== doc.AlarmActions.length ||
      next.OKActions.length !== doc.OKActions.length ||
      next.InsufficientDataActions.length !== doc.InsufficientDataActions.length;
    if (changed) ctx.store.putDoc(ALARM_KIND, id, next);
  }
}

// ---------------------------------------------------------------------------------------------
// Output shapes and handlers

function toMetricAlarm(ctx: LocalContext, a: AlarmRecord): MetricAlarm {
  const out: MetricAlarm = {
    AlarmName: a.AlarmName,
    AlarmArn: a.AlarmArn,
    AlarmConfigurationUpdatedTimestamp: new Date(a.AlarmConfigurationUpdatedTimestamp),
    ActionsEnabled: a.ActionsEnabled,
    OKActions: [...a.OKActions],
    AlarmActions: [...a.AlarmActions],
    InsufficientDataActions: [...a.InsufficientDataActions],
    StateValue: a.StateValue,
    StateReason: a.StateReason,
    StateUpdatedTimestamp: new Date(a.StateUpdatedTimestamp),
    MetricName: a.MetricName,
    Namespace: a.Namespace,
    Dimensions: a.Dimensions.map((d) => ({ ...d })),
    Period: a.Period,
    EvaluationPeriods: a.EvaluationPeriods,
    DatapointsToAlarm: a.DatapointsToAlarm,
    Threshold: a.Threshold,
    ComparisonOperator: a.ComparisonOperator,
    TreatMissingData: a.TreatMissingData,
    StateTransitionedTimestamp: new Date(a.StateTransitionedTimestamp),
  };
  if (a.AlarmDescription !== undefined) out.AlarmDescription = a.AlarmDescription;
  const reasonData = ctx.store.getDoc<string>(ALARM_REASON_DATA_KIND, a.AlarmName);
  if (reasonData !== undefined) out.StateReasonData = reasonData;
  if (a.Statistic !== undefined) out.Statistic = a.Statistic as cw.Statistic;
  if (a.ExtendedStatistic !== undefined) out.ExtendedStatistic = a.ExtendedStatistic;
  if (a.Unit !== undefined) out.Unit = a.Unit as cw.StandardUnit;
  if (a.EvaluateLowSampleCountPercentile !== undefined) {
    out.EvaluateLowSampleCountPercentile = a.EvaluateLowSampleCountPercentile;
  }
  return out;
}

function pageToken(offset: number): string {
  return btoa(JSON.stringify({ o: offset }));
}

function readToken(token: string | undefined, name = "NextToken"): number {
  if (token === undefined) return 0;
  try {
    const o = JSON.parse(atob(token)).o;
    if (Number.isInteger(o) && o >= 0) return o;
  } catch {
    // fall through
  }
  throw fail(
    "InvalidNextToken",
    `The value of ${name} is not valid: pass the token from the previous response`,
    400,
  );
}

function pageSize(max: number | undefined, limit: number, name: string): number {
  if (max === undefined) return limit;
  if (!(Number.isInteger(max) && max >= 1 && max <= limit)) {
    throw invalidValue(`The parameter ${name} must be between 1 and ${limit}, got ${max}.`);
  }
  return max;
}

function setState(ctx: LocalContext, input: SetAlarmStateInput): void {
  if (!input.AlarmName) throw missingParameter("AlarmName");
  if (!input.StateValue) throw missingParameter("StateValue");
  if (input.StateReason === undefined) throw missingParameter("StateReason");
  if (!["OK", "ALARM", "INSUFFICIENT_DATA"].includes(input.StateValue)) {
    throw invalidValue(`The value ${input.StateValue} for parameter StateValue is invalid.`);
  }
  if (input.StateReasonData !== undefined) {
    try {
      JSON.parse(input.StateReasonData);
    } catch {
      throw invalidFormat("StateReasonData is not valid JSON");
    }
  }
  ctx.store.tx(() => {
    const alarm = getAlarm(ctx, input.AlarmName!);
    if (alarm === undefined) throw notFound(`Alarm ${input.AlarmName} not found`);
    const t = ctx.store.now();
    const changed = alarm.StateValue !== input.StateValue;
    if (changed) {
      transition(
        ctx,
        alarm,
        input.StateValue as AlarmState,
        input.StateReason!,
        input.StateReasonData,
        t,
      );
      runActions(ctx, alarm, true, t, alarmDatapoints(ctx, alarm.AlarmName));
    }
    ctx.store.putDoc(ALARM_KIND, alarm.AlarmName, alarm);
  });
}

const invalidFormat = (m: string) => fail("InvalidFormatFault", m, 400);

function setActionsEnabled(ctx: LocalContext, names: string[] | undefined, enabled: boolean): void {
  if (names === undefined) throw missingParameter("AlarmNames");
  ctx.store.tx(() => {
    for (const name of names) {
      const alarm = getAlarm(ctx, name);
      if (alarm === undefined) continue; // AWS ignores unknown names here
      alarm.ActionsEnabled = enabled;
      ctx.store.putDoc(ALARM_KIND, name, alarm);
    }
  });
}

/**
 * The CloudWatch alarm operations of the local backend, by operation name; the assembly merges
 * them with the metric operations into the CloudWatch sender.
 *
 * @example Usage
 * ```ts
 * import { cloudWatchAlarmHandlers, registerAlarmEvents } from "./alarms.ts";
 * import { LocalClock } from "../kernel/clock.ts";
 * import { LocalRuntime } from "../kernel/context.ts";
 * import { localSender } from "../kernel/dispatch.ts";
 * import { DEFAULT_LOCAL_SETTINGS } from "../kernel/settings.ts";
 * import { Store } from "../kernel/store.ts";
 * import { DescribeAlarmsCommand, PutMetricAlarmCommand } from "@aws-sdk/client-cloudwatch";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const store = Store.open(dir);
 * const runtime = new LocalRuntime();
 * registerAlarmEvents(runtime);
 * const ctx = { store, settings: DEFAULT_LOCAL_SETTINGS, region: "us-east-1", account: "000000000000", runtime };
 * const cloudwatch = localSender("CloudWatch", ctx, cloudWatchAlarmHandlers);
 * await cloudwatch.send(new PutMetricAlarmCommand({
 *   AlarmName: "queue-high", Namespace: "App", MetricName: "Backlog", Statistic: "Maximum",
 *   Period: 60, EvaluationPeriods: 1, Threshold: 100, ComparisonOperator: "GreaterThanThreshold",
 *   TreatMissingData: "notBreaching",
 * }));
 * await new LocalClock(ctx).sleep(120_000); // no data, treated as not breaching
 * const { MetricAlarms } = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: ["queue-high"] }));
 * assert.equal(MetricAlarms?.[0].StateValue, "OK");
 * store.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export const cloudWatchAlarmHandlers: Record<string, OperationHandler> = {
  PutMetricAlarm(input: PutMetricAlarmInput, ctx: LocalContext) {
    putMetricAlarm(ctx, input);
    return {};
  },

  DescribeAlarms(
    input: DescribeAlarmsInput,
    ctx: LocalContext,
  ): Omit<DescribeAlarmsOutput, "$metadata"> {
    if (input.AlarmNames !== undefined && input.AlarmNamePrefix !== undefined) {
      throw combination("AlarmNamePrefix and AlarmNames cannot be specified together.");
    }
    if (input.AlarmNames !== undefined && input.AlarmNames.length > 100) {
      throw invalidValue("The collection AlarmNames must not have a size greater than 100.");
    }
    if (input.ChildrenOfAlarmName !== undefined || input.ParentsOfAlarmName !== undefined) {
      throw new NotImplementedLocallyError("CloudWatch", "DescribeAlarms for composite alarms");
    }
    const size = pageSize(input.MaxRecords, 100, "MaxRecords");
    const offset = readToken(input.NextToken);
    const wantMetric = input.AlarmTypes === undefined || input.AlarmTypes.includes("MetricAlarm");
    let alarms = wantMetric
      ? ctx.store.listDocs<AlarmRecord>(ALARM_KIND, input.AlarmNamePrefix ?? "").map((d) => d.doc)
      : [];
    if (input.AlarmNames !== undefined) {
      const names = new Set(input.AlarmNames);
      alarms = alarms.filter((a) => names.has(a.AlarmName));
    }
    if (input.StateValue !== undefined) {
      alarms = alarms.filter((a) => a.StateValue === input.StateValue);
    }
    if (input.ActionPrefix !== undefined) {
      const prefix = input.ActionPrefix;
      alarms = alarms.filter((a) =>
        [...a.AlarmActions, ...a.OKActions, ...a.InsufficientDataActions].some((x) =>
          x.startsWith(prefix)
        )
      );
    }
    const page = alarms.slice(offset, offset + size);
    const out: Omit<DescribeAlarmsOutput, "$metadata"> = {
      MetricAlarms: page.map((a) => toMetricAlarm(ctx, a)),
      CompositeAlarms: [],
    };
    if (offset + size < alarms.length) out.NextToken = pageToken(offset + size);
    return out;
  },

  DeleteAlarms(input: DeleteAlarmsInput, ctx: LocalContext) {
    if (input.AlarmNames === undefined) throw missingParameter("AlarmNames");
    if (input.AlarmNames.length > 100) {
      throw invalidValue("The collection AlarmNames must not have a size greater than 100.");
    }
    deleteAlarms(ctx, input.AlarmNames);
    return {};
  },

  SetAlarmState(input: SetAlarmStateInput, ctx: LocalContext) {
    setState(ctx, input);
    return {};
  },

  DescribeAlarmHistory(
    input: DescribeAlarmHistoryInput,
    ctx: LocalContext,
  ): Omit<DescribeAlarmHistoryOutput, "$metadata"> {
    const size = pageSize(input.MaxRecords, 100, "MaxRecords");
    const offset = readToken(input.NextToken);
    const start = input.StartDate?.getTime() ?? -Infinity;
    const end = input.EndDate?.getTime() ?? Infinity;
    const cutoff = ctx.store.now() - HISTORY_RETENTION_MS;
    const items = ctx.store.listDocs<AlarmHistoryRecord>(
      ALARM_HISTORY_KIND,
      input.AlarmName === undefined ? "" : historyPrefix(input.AlarmName),
    ).map((d) => d.doc).filter((i) =>
      i.Timestamp >= cutoff && i.Timestamp >= start && i.Timestamp <= end &&
      (input.HistoryItemType === undefined || i.HistoryItemType === input.HistoryItemType)
    );
    items.sort((a, b) => a.Timestamp - b.Timestamp);
    if ((input.ScanBy ?? "TimestampDescending") === "TimestampDescending") items.reverse();
    const page = items.slice(offset, offset + size).map((i): AlarmHistoryItem => ({
      AlarmName: i.AlarmName,
      AlarmType: "MetricAlarm",
      Timestamp: new Date(i.Timestamp),
      HistoryItemType: i.HistoryItemType,
      HistorySummary: i.HistorySummary,
      HistoryData: i.HistoryData,
    }));
    const out: Omit<DescribeAlarmHistoryOutput, "$metadata"> = { AlarmHistoryItems: page };
    if (offset + size < items.length) out.NextToken = pageToken(offset + size);
    return out;
  },

  EnableAlarmActions(input: EnableAlarmActionsInput, ctx: LocalContext) {
    setActionsEnabled(ctx, input.AlarmNames, true);
    return {};
  },

  DisableAlarmActions(input: DisableAlarmActionsInput, ctx: LocalContext) {
    setActionsEnabled(ctx, input.AlarmNames, false);
    return {};
  },
};
