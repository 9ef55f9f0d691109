/**
 * The local CloudWatch alarm operations on the real `@aws-sdk/client-cloudwatch` commands:
 * PutMetricAlarm, DescribeAlarms, DeleteAlarms, SetAlarmState, DescribeAlarmHistory,
 * EnableAlarmActions and DisableAlarmActions, and their output shapes.
 *
 * @module
 */
import type { AlarmState } from "../../../sim/alarm_eval.ts";
import type { LocalContext } from "../kernel/context.ts";
import { decodePageOffset, pageOf } from "../kernel/paging.ts";
import { type HandlerMap, NotImplementedLocallyError } from "../kernel/dispatch.ts";
import { alarmDatapoints, deleteAlarms, runActions, transition } from "./alarm_engine.ts";
import {
  ALARM_HISTORY_KIND,
  ALARM_KIND,
  ALARM_REASON_DATA_KIND,
  type AlarmHistoryRecord,
  type AlarmRecord,
  allActions,
  combination,
  fail,
  getAlarm,
  HISTORY_RETENTION_MS,
  historyPrefix,
  invalidValue,
  missingParameter,
  notFound,
} from "./alarm_records.ts";
import { putMetricAlarm } from "./alarms.ts";
import type * as cw from "@aws-sdk/client-cloudwatch";
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

function readToken(token: string | undefined, name = "NextToken"): number {
  if (token === undefined) return 0;
  const offset = decodePageOffset(token);
  if (offset !== undefined) return offset;
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
      transition(ctx, {
        alarm,
        state: input.StateValue as AlarmState,
        reason: input.StateReason!,
        reasonData: input.StateReasonData,
        t,
      });
      runActions(ctx, {
        alarm,
        transitioned: true,
        t,
        datapoints: alarmDatapoints(ctx, alarm.AlarmName),
      });
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
 * import { cloudWatchAlarmHandlers } from "./alarm_handlers.ts";
 * import { registerAlarmEvents } from "./alarm_engine.ts";
 * import { LocalClock } from "../kernel/clock.ts";
 * import { LocalRuntime } from "../kernel/context.ts";
 * import { localSender } from "../kernel/dispatch.ts";
 * import { DEFAULT_LOCAL_SETTINGS } from "../kernel/settings.ts";
 * import { Store } from "../kernel/store/mod.ts";
 * import { DescribeAlarmsCommand, PutMetricAlarmCommand } from "@aws-sdk/client-cloudwatch";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const store = Store.open(dir);
 * const runtime = new LocalRuntime();
 * registerAlarmEvents(runtime);
 * const ctx = { store, settings: DEFAULT_LOCAL_SETTINGS, region: "us-east-1", account: "000000000000", runtime };
 * const cloudwatch = localSender(ctx, { service: "CloudWatch", handlers: cloudWatchAlarmHandlers });
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
export const cloudWatchAlarmHandlers: HandlerMap = {
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
      alarms = alarms.filter((a) => allActions(a).some((x) => x.startsWith(prefix)));
    }
    const { items, ...next } = pageOf(alarms, { offset, size });
    return {
      MetricAlarms: items.map((a) => toMetricAlarm(ctx, a)),
      CompositeAlarms: [],
      ...next,
    };
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
    const { items: page, ...next } = pageOf(items, { offset, size });
    return {
      AlarmHistoryItems: page.map((i): AlarmHistoryItem => ({
        AlarmName: i.AlarmName,
        AlarmType: "MetricAlarm",
        Timestamp: new Date(i.Timestamp),
        HistoryItemType: i.HistoryItemType,
        HistorySummary: i.HistorySummary,
        HistoryData: i.HistoryData,
      })),
      ...next,
    };
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
