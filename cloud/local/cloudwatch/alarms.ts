/**
 * PutMetricAlarm and its validation (`../shared/spec/autoscaling.md` §5). Validation (error names
 * as the SDK models them; wording: "DatapointsToAlarm must be less than or equal to
 * EvaluationPeriods" [OBS] hashicorp/terraform#24070; the rest [INF]): period 10, 30 or a multiple
 * of 60; EvaluationPeriods × Period ≤ 86,400 s; exactly one of Statistic and ExtendedStatistic;
 * static-threshold operators only. Metric math (`Metrics` with an `Expression`) and
 * anomaly-detection bands are not evaluated locally and fail clearly; a `Metrics` list holding a
 * single `MetricStat` is accepted as that metric. PutMetricAlarm on an existing alarm replaces its
 * configuration and keeps its state (PutMetricAlarm API reference).
 *
 * @module
 */
import {
  COMPARISON_OPERATORS,
  type ComparisonOperator,
  TREAT_MISSING_DATA,
  type TreatMissingData,
} from "../../../sim/alarm_eval.ts";
import { parseStatistic } from "../../../sim/metric_stats.ts";
import type { LocalContext } from "../kernel/context.ts";
import { NotImplementedLocallyError } from "../kernel/dispatch.ts";
import {
  ALARM_KIND,
  alarmArn,
  type AlarmRecord,
  combination,
  DAY_SECONDS,
  ensureEvaluation,
  getAlarm,
  invalidValue,
  missingParameter,
  recordAlarmHistory,
  validationError,
} from "./alarm_records.ts";
import * as cw from "@aws-sdk/client-cloudwatch";
import type { PutMetricAlarmInput } from "@aws-sdk/client-cloudwatch";

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
    recordAlarmHistory(ctx, {
      alarmName: record.AlarmName,
      type: "ConfigurationUpdate",
      summary: existing
        ? `Alarm "${record.AlarmName}" updated`
        : `Alarm "${record.AlarmName}" created`,
      data: { version: "1.0", type: existing ? "Update" : "Create" },
    });
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
