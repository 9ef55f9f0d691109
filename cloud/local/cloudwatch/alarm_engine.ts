/**
 * Alarm evaluation on the simulated clock (`../shared/spec/autoscaling.md` §5 unless noted):
 *
 * - Evaluation: every 60 s for alarms with a period of 60 s or more, every 10 s for 10/30 s
 *   (high-resolution) periods, on a sliding window; one simulation event drives all alarms and is
 *   queued only while alarms exist. Evaluations fall on multiples of 60 s / 10 s of epoch time.
 * - A datapoint for the period `[t, t + Period)` is visible to alarms from
 *   `t + Period + settings.metricDelaySeconds` (`highResolutionMetricDelaySeconds` for 10/30 s
 *   alarms) [INF §5, §9.6]; an evaluation uses the newest visible period and the ones before it.
 * - State: M of N over an evaluation range of N + `settings.alarmEvaluationRangeExtraPeriods`
 *   periods (default 2: CW-ALARM shows 5 for N = 3 [DOC], the same +2 for every N [INF]) with
 *   TreatMissingData and the premature-alarm rule (`sim/alarm_eval.ts`); the period's value is the
 *   alarm's Statistic or ExtendedStatistic over the stored rows (`sim/metric_stats.ts`), only rows
 *   of the alarm's Unit when it has one.
 * - Actions: on a transition into a state, the state's actions run. An action that is an
 *   Application Auto Scaling policy ARN (`arn:aws:autoscaling:…:scalingPolicy:…:resource/…`) is
 *   invoked through a {@linkcode SCALING_POLICY_INVOCATION_EVENT} at the same instant, and again
 *   every `settings.alarmActionRepeatSeconds` while the alarm stays in that state (CW-ALARM:
 *   "for Auto Scaling actions, the alarm continues to invoke the action for every period that
 *   the alarm remains in the new state"; spec §3). Other actions (SNS topics, EC2 actions) are
 *   recorded in the alarm history and do nothing locally. `ActionsEnabled: false` runs none.
 * - SetAlarmState sets the state until the next evaluation (and runs the new state's actions).
 *   History is kept two weeks.
 *
 * The alarms' metric series, kept in memory between evaluations, are in `alarm_series.ts`.
 *
 * @module
 */
import {
  type AlarmDatapoint,
  type AlarmEvaluation,
  type AlarmEvaluationInput,
  type AlarmState,
  evaluateAlarm,
  scalingActionDue,
  stateReason,
} from "../../../sim/alarm_eval.ts";
import { statistic } from "../../../sim/metric_stats.ts";
import type { LocalContext, LocalRuntime } from "../kernel/context.ts";
import type { SimEvent } from "../kernel/store/mod.ts";
import {
  actionState,
  ALARM_ACTION_STATE_KIND,
  ALARM_EVALUATION_EVENT,
  ALARM_HISTORY_KIND,
  ALARM_KIND,
  ALARM_REASON_DATA_KIND,
  type AlarmActionState,
  type AlarmRecord,
  ensureEvaluation,
  evaluationStepMs,
  getAlarm,
  historyPrefix,
  isHighResolution,
  isScalingPolicyArn,
  nextEvaluation,
  notFound,
  pruneHistory,
  putActionState,
  recordAlarmHistory,
  SCALING_POLICY_INVOCATION_EVENT,
  type ScalingPolicyInvocation,
} from "./alarm_records.ts";
import {
  alarmWindow,
  dropSeries,
  feedSlot,
  type MetricFeed,
  metricSeries,
  syncMetricFeed,
} from "./alarm_series.ts";

/** The alarm's evaluation range at `t`, one value (or none) per period, oldest first. */
function collectDatapoints(
  ctx: LocalContext,
  alarm: AlarmRecord,
  t: number,
  feed: MetricFeed = syncMetricFeed(ctx),
): AlarmDatapoint[] {
  const delay = isHighResolution(alarm.Period)
    ? ctx.settings.highResolutionMetricDelaySeconds
    : ctx.settings.metricDelaySeconds;
  const w = alarmWindow(t, {
    periodSeconds: alarm.Period,
    evaluationPeriods: alarm.EvaluationPeriods,
    delaySeconds: delay,
    extraPeriods: ctx.settings.alarmEvaluationRangeExtraPeriods,
  });
  const p = alarm.Period * 1000;
  const series = metricSeries(feed, { store: ctx.store, alarm, from: w.start, to: w.end });
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

/**
 * The alarm evaluated at `t`: its evaluation range, the evaluation's input and result, and the
 * real datapoints the result rests on, oldest first.
 */
function evaluateAt(
  ctx: LocalContext,
  alarm: Readonly<AlarmRecord>,
  t: number,
  feed?: MetricFeed,
): {
  datapoints: AlarmDatapoint[];
  input: AlarmEvaluationInput;
  result: AlarmEvaluation;
  evaluated: { timestamp: number; value: number }[];
} {
  const datapoints = collectDatapoints(ctx, alarm, t, feed);
  const input: AlarmEvaluationInput = {
    datapoints,
    evaluationPeriods: alarm.EvaluationPeriods,
    datapointsToAlarm: alarm.DatapointsToAlarm,
    threshold: alarm.Threshold,
    comparisonOperator: alarm.ComparisonOperator,
    treatMissingData: alarm.TreatMissingData,
    currentState: alarm.StateValue,
  };
  const result = evaluateAlarm(input);
  const evaluated = result.evaluated.map((d) => ({ timestamp: d.timestamp, value: d.value! }));
  return { datapoints, input, result, evaluated };
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
  return alarm === undefined ? [] : evaluateAt(ctx, alarm, ctx.store.now()).evaluated;
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
  const { datapoints, input, result, evaluated } = evaluateAt(ctx, current, t, feed);
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
  transition(ctx, {
    alarm,
    state: result.state,
    reason,
    reasonData: JSON.stringify(reasonData),
    t,
  });
  return { alarm, transitioned: true, evaluated };
}

/** Moves an alarm to a new state (record only; the caller stores it) and writes the history. */
export function transition(
  ctx: LocalContext,
  change: {
    alarm: AlarmRecord;
    state: AlarmState;
    reason: string;
    reasonData: string | undefined;
    t: number;
  },
): void {
  const { alarm, state, reason, reasonData, t } = change;
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
    putActionState(ctx, {
      alarmName: alarm.AlarmName,
      state: { ...actions, lastScalingActionAt: undefined },
    });
  }
  recordAlarmHistory(ctx, {
    alarmName: alarm.AlarmName,
    type: "StateUpdate",
    summary: `Alarm updated from ${old.stateValue} to ${state}`,
    data: {
      version: "1.0",
      oldState: old,
      newState: { stateValue: state, stateReason: reason },
    },
  });
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
export function runActions(
  ctx: LocalContext,
  run: {
    alarm: Readonly<AlarmRecord>;
    transitioned: boolean;
    t: number;
    datapoints: { timestamp: number; value: number }[];
  },
): AlarmActionState {
  const { alarm, transitioned, t, datapoints } = run;
  const state = actionState(ctx, alarm.AlarmName);
  if (!alarm.ActionsEnabled) return state;
  const actions = actionsFor(alarm, alarm.StateValue);
  if (actions.length === 0) return state;
  const scaling = actions.filter(isScalingPolicyArn);
  // The same rule as the sweep's alarms (sim/alarm_eval.ts).
  const repeatDue = scalingActionDue(state.lastScalingActionAt, {
    now: t,
    transitioned,
    repeatMs: ctx.settings.alarmActionRepeatSeconds * 1000,
  });
  if (transitioned) {
    for (const action of actions.filter((a) => !isScalingPolicyArn(a))) {
      recordAlarmHistory(ctx, {
        alarmName: alarm.AlarmName,
        type: "Action",
        summary: `Successfully executed action ${action}`,
        data: { actionState: "Succeeded", notificationResource: action, stateUpdateTimestamp: t },
      });
    }
  }
  if (scaling.length === 0 || !(transitioned || repeatDue)) return state;
  const next = { ...state, lastScalingActionAt: t };
  putActionState(ctx, { alarmName: alarm.AlarmName, state: next });
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
    if (t % evaluationStepMs(doc.Period) !== 0) continue; // not due at t
    try {
      ctx.store.tx(() => {
        if (feed === undefined || feed.rollbacks !== ctx.store.rollbacks) {
          feed = syncMetricFeed(ctx);
        }
        const { alarm, transitioned, evaluated } = evaluateOne(ctx, doc, t, feed);
        if (transitioned) ctx.store.putDoc(ALARM_KIND, id, alarm);
        pruneHistory(
          ctx,
          alarm,
          runActions(ctx, { alarm, transitioned, t, datapoints: evaluated }),
        );
      });
    } catch (error) {
      // One broken alarm must not stop the others, nor the next evaluations.
      console.error(
        `local backend: alarm "${doc.AlarmName}" not evaluated: ${(error as Error).message}`,
      );
    }
  }
  // Series of alarms gone meanwhile (deleted by another process) are dropped.
  const live = feedSlot(ctx).feed;
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
 * import { ALARM_EVALUATION_EVENT } from "./alarm_records.ts";
 * import { registerAlarmEvents } from "./alarm_engine.ts";
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

/** Options of {@linkcode deleteAlarms}. */
export interface DeleteAlarmsOptions {
  /**
   * Delete those of the alarms that exist and pass over the others (the local Application Auto
   * Scaling deletes the alarms target tracking made, some of which a user may have deleted).
   * @default {false} (all or none: a missing alarm is `ResourceNotFound`)
   */
  skipMissing?: boolean;
}

/**
 * Deletes alarms by name, all or none: throws `ResourceNotFound` naming the missing ones (unless
 * `skipMissing`). The local Application Auto Scaling uses it for the alarms target tracking
 * created.
 *
 * @example Usage
 * ```ts ignore
 * deleteAlarms(ctx, ["TargetTracking-endpoint/ep/variant/v-AlarmHigh-…"], { skipMissing: true });
 * ```
 */
export function deleteAlarms(
  ctx: LocalContext,
  names: readonly string[],
  options: DeleteAlarmsOptions = {},
): void {
  const { skipMissing = false } = options;
  ctx.store.tx(() => {
    const unknown = names.filter((n) => getAlarm(ctx, n) === undefined);
    if (unknown.length > 0 && !skipMissing) {
      throw notFound(
        `${unknown.length} of the ${names.length} alarms were not found: ${
          unknown.map((n) => `"${n}"`).join(", ")
        }. No alarm was deleted`,
      );
    }
    const doomed = skipMissing ? names.filter((n) => !unknown.includes(n)) : names;
    if (skipMissing && doomed.length === 0) return; // nothing to delete, nothing to reschedule
    const feed = feedSlot(ctx).feed;
    for (const name of doomed) {
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
