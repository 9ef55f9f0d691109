/**
 * CloudWatch metric alarm evaluation as a pure function (spec autoscaling.md §5, CW-ALARM):
 * M-of-N over an evaluation range longer than N, TreatMissingData, the "premature alarm" rule,
 * comparison operators, and AWS-style state reasons.
 *
 * The rules, from the CloudWatch user guide's "How alarm state is evaluated when data is
 * missing" and "Avoiding premature transitions to alarm state":
 * - With at least N real datapoints in the range, the N most recent real ones are evaluated and
 *   TreatMissingData is not used.
 * - With none, `missing` gives INSUFFICIENT_DATA, `ignore` keeps the state, `breaching` ALARM,
 *   `notBreaching` OK.
 * - With fewer than N, every real datapoint is used and the rest are filled: `breaching` and
 *   `notBreaching` fill as few missing points as needed. `missing` and `ignore` fill nothing:
 *   M breaching real points give ALARM; else a real non-breaching point anywhere in the range
 *   gives OK (the 2-of-3 table's "0 - X - -" row); else (every real point breaches, fewer than
 *   M) `missing` goes to ALARM when the oldest breaching point among the last N is at least M
 *   periods old and every newer point is breaching or missing (the premature-alarm rule), and
 *   to INSUFFICIENT_DATA otherwise, while `ignore` keeps the state.
 *
 * These reproduce every row of both tables in the guide (see `alarm_eval_test.ts`).
 *
 * @module
 */

/** An alarm's state. */
export type AlarmState = "OK" | "ALARM" | "INSUFFICIENT_DATA";

/** How an alarm treats missing datapoints; AWS's default is `missing`. */
export type TreatMissingData = "missing" | "notBreaching" | "breaching" | "ignore";

/** The static-threshold comparison operators. */
export type ComparisonOperator =
  | "GreaterThanOrEqualToThreshold"
  | "GreaterThanThreshold"
  | "LessThanThreshold"
  | "LessThanOrEqualToThreshold";

/** The comparison operators {@linkcode evaluateAlarm} implements. */
export const COMPARISON_OPERATORS: readonly ComparisonOperator[] = [
  "GreaterThanOrEqualToThreshold",
  "GreaterThanThreshold",
  "LessThanThreshold",
  "LessThanOrEqualToThreshold",
];

/** The TreatMissingData values. */
export const TREAT_MISSING_DATA: readonly TreatMissingData[] = [
  "missing",
  "notBreaching",
  "breaching",
  "ignore",
];

/** One period of an alarm's evaluation range. */
export interface AlarmDatapoint {
  /** Start of the period, epoch ms. */
  timestamp: number;
  /** The statistic over the period; undefined when the period has no data. */
  value: number | undefined;
}

/** Inputs of {@linkcode evaluateAlarm}. */
export interface AlarmEvaluationInput {
  /** The evaluation range, oldest first, one entry per period (see {@linkcode evaluationRange}). */
  datapoints: readonly AlarmDatapoint[];
  /** N. */
  evaluationPeriods: number;
  /** M (AWS's default: N). */
  datapointsToAlarm: number;
  threshold: number;
  comparisonOperator: ComparisonOperator;
  /** @default {"missing"} */
  treatMissingData?: TreatMissingData;
  /** The alarm's state before this evaluation (kept by `ignore`). */
  currentState: AlarmState;
}

/** The outcome of one evaluation. */
export interface AlarmEvaluation {
  /** The new state. */
  state: AlarmState;
  /** The real datapoints that decided it, oldest first. */
  evaluated: AlarmDatapoint[];
  /** How many of the evaluated points (real or filled) breach. */
  breaching: number;
  /** How many missing points were filled (breaching / notBreaching) to reach N. */
  filled: number;
  /** Which rule decided. */
  rule: "threshold" | "filled" | "premature" | "insufficient" | "retained";
}

/**
 * The number of periods CloudWatch fetches to evaluate an N-period alarm: AWS documents 5 for
 * N = 3 and says the number depends on the period; [INF] N + `extra` with `extra` = 2 for every
 * N (the local setting `alarmEvaluationRangeExtraPeriods`).
 *
 * @example Usage
 * ```ts
 * import { evaluationRange } from "./alarm_eval.ts";
 * import assert from "node:assert/strict";
 * assert.equal(evaluationRange(3), 5);
 * assert.equal(evaluationRange(15, 0), 15);
 * ```
 */
export function evaluationRange(evaluationPeriods: number, extra = 2): number {
  return evaluationPeriods + Math.max(0, Math.floor(extra));
}

/**
 * Whether a value breaches a threshold under an operator.
 *
 * @example Usage
 * ```ts
 * import { breaches } from "./alarm_eval.ts";
 * import assert from "node:assert/strict";
 * assert.equal(breaches(70, { operator: "GreaterThanThreshold", threshold: 70 }), false);
 * assert.equal(breaches(70, { operator: "GreaterThanOrEqualToThreshold", threshold: 70 }), true);
 * assert.equal(breaches(62, { operator: "LessThanThreshold", threshold: 63 }), true);
 * ```
 */
export function breaches(
  value: number,
  rule: { operator: ComparisonOperator; threshold: number },
): boolean {
  return breachesOperator(value, rule.operator, rule.threshold);
}

/**
 * Evaluates an alarm over its evaluation range (module doc for the rules).
 *
 * @example Usage
 * ```ts
 * import { evaluateAlarm } from "./alarm_eval.ts";
 * import assert from "node:assert/strict";
 * // "0 X X - X" with 3 of 3: the three most recent real points all breach.
 * const values = [10, 90, 90, undefined, 90];
 * const result = evaluateAlarm({
 *   datapoints: values.map((value, i) => ({ timestamp: i * 60_000, value })),
 *   evaluationPeriods: 3, datapointsToAlarm: 3, threshold: 50,
 *   comparisonOperator: "GreaterThanThreshold", currentState: "OK",
 * });
 * assert.equal(result.state, "ALARM");
 * ```
 */
export function evaluateAlarm(input: AlarmEvaluationInput): AlarmEvaluation {
  const { datapoints } = input;
  const values = new Float64Array(datapoints.length);
  for (let i = 0; i < datapoints.length; i++) values[i] = datapoints[i].value ?? NaN;
  const outcome = evaluateAlarmSeries(values, input);
  const real = datapoints.filter((d) => d.value !== undefined);
  return {
    ...outcome,
    evaluated: real.slice(Math.max(0, real.length - input.evaluationPeriods)),
  };
}

/** An alarm's rule: what {@linkcode evaluateAlarmSeries} needs besides the values. */
export interface AlarmRule {
  /** N. */
  evaluationPeriods: number;
  /** M (AWS's default: N). */
  datapointsToAlarm: number;
  threshold: number;
  comparisonOperator: ComparisonOperator;
  /** @default {"missing"} */
  treatMissingData?: TreatMissingData;
}

/** Options of {@linkcode evaluateAlarmSeries}: the rule and where the range lies in the series. */
export interface AlarmSeriesOptions extends AlarmRule {
  /**
   * Index one past the newest period of the evaluation range (the newest visible period + 1).
   * @default {values.length}
   */
  end?: number;
  /**
   * Periods in the evaluation range; indices before 0 count as missing periods.
   * @default {end (the whole series up to `end`)}
   */
  range?: number;
  /**
   * The alarm's state before this evaluation (kept by `ignore`).
   * @default {"INSUFFICIENT_DATA"}
   */
  currentState?: AlarmState;
}

/** What {@linkcode evaluateAlarmSeries} decides: {@linkcode AlarmEvaluation} without the points. */
export type AlarmSeriesEvaluation = Omit<AlarmEvaluation, "evaluated">;

/**
 * Evaluates an alarm over a plain array of period values, `NaN` for a period with no data (the
 * rules of the module doc; {@linkcode evaluateAlarm} is this function on datapoints). Allocates
 * nothing: with every period present it reads the N newest values and stops, so the sweep runs
 * it for every alarm at every evaluation and the local backend's alarms decide through it too.
 *
 * @example Usage
 * ```ts
 * import { evaluateAlarmSeries } from "./alarm_eval.ts";
 * import assert from "node:assert/strict";
 * const rule = { evaluationPeriods: 3, datapointsToAlarm: 3, threshold: 50,
 *   comparisonOperator: "GreaterThanThreshold" } as const;
 * const values = Float64Array.of(10, 90, 90, NaN, 90);
 * assert.equal(evaluateAlarmSeries(values, rule).state, "ALARM");
 * // Only the first three periods were visible then: one of them is below the threshold.
 * assert.equal(evaluateAlarmSeries(values, { ...rule, end: 3, range: 5 }).state, "OK");
 * ```
 */
export function evaluateAlarmSeries(
  values: ArrayLike<number>,
  options: AlarmSeriesOptions,
): AlarmSeriesEvaluation {
  const n = options.evaluationPeriods;
  const m = options.datapointsToAlarm;
  const end = options.end ?? values.length;
  const start = end - (options.range ?? end);
  const treat = options.treatMissingData ?? "missing";
  const currentState = options.currentState ?? "INSUFFICIENT_DATA";
  const threshold = options.threshold;
  const operator = options.comparisonOperator;
  // Newest first, up to N real points: with every period present this reads N values.
  let real = 0;
  let b = 0;
  for (let i = end - 1; i >= start && real < n; i--) {
    if (i < 0) break;
    const v = values[i];
    if (v !== v) continue; // NaN: no data
    real++;
    if (breachesOperator(v, operator, threshold)) b++;
  }
  if (real >= n) {
    return { state: b >= m ? "ALARM" : "OK", breaching: b, filled: 0, rule: "threshold" };
  }
  // Fewer than N real points: the loop saw the whole range, so `b` counts every breaching one.
  const need = n - real;
  if (treat === "breaching" || treat === "notBreaching") {
    const breaching = b + (treat === "breaching" ? need : 0);
    return { state: breaching >= m ? "ALARM" : "OK", breaching, filled: need, rule: "filled" };
  }
  // missing / ignore: nothing is filled.
  const common = { breaching: b, filled: 0 };
  if (real === 0) {
    return treat === "missing"
      ? { ...common, state: "INSUFFICIENT_DATA", rule: "insufficient" }
      : { ...common, state: currentState, rule: "retained" };
  }
  if (b >= m) return { ...common, state: "ALARM", rule: "threshold" };
  if (b < real) return { ...common, state: "OK", rule: "threshold" };
  if (treat === "missing" && isPremature(values, { start, end, n, m, options })) {
    return { ...common, state: "ALARM", rule: "premature" };
  }
  return treat === "missing"
    ? { ...common, state: "INSUFFICIENT_DATA", rule: "insufficient" }
    : { ...common, state: currentState, rule: "retained" };
}

function breachesOperator(value: number, operator: ComparisonOperator, threshold: number): boolean {
  switch (operator) {
    case "GreaterThanOrEqualToThreshold":
      return value >= threshold;
    case "GreaterThanThreshold":
      return value > threshold;
    case "LessThanThreshold":
      return value < threshold;
    case "LessThanOrEqualToThreshold":
      return value <= threshold;
  }
}

/**
 * The premature-alarm rule (CW-ALARM): among the last N periods of the range, the oldest
 * breaching point is at least M periods old (the newest is 1 old) and every newer point breaches
 * or is missing.
 */
function isPremature(
  values: ArrayLike<number>,
  at: { start: number; end: number; n: number; m: number; options: AlarmRule },
): boolean {
  const { end, n, m, options } = at;
  const from = Math.max(at.start, end - n);
  const breach = (v: number) =>
    v === v && breachesOperator(v, options.comparisonOperator, options.threshold);
  const value = (i: number) => i < 0 ? NaN : values[i];
  let oldest = -1;
  for (let i = from; i < end; i++) {
    if (breach(value(i))) {
      oldest = i;
      break;
    }
  }
  if (oldest < 0) return false;
  if (end - oldest < m) return false;
  for (let i = oldest + 1; i < end; i++) {
    const v = value(i);
    if (v === v && !breach(v)) return false;
  }
  return true;
}

const OPERATOR_WORDS: Record<ComparisonOperator, string> = {
  GreaterThanOrEqualToThreshold: "greater than or equal to",
  GreaterThanThreshold: "greater than",
  LessThanThreshold: "less than",
  LessThanOrEqualToThreshold: "less than or equal to",
};

/**
 * A number as CloudWatch prints it in state reasons (Java's double: `70.0`, `62.5`).
 *
 * @example Usage
 * ```ts
 * import { formatAlarmNumber } from "./alarm_eval.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatAlarmNumber(70), "70.0");
 * assert.equal(formatAlarmNumber(62.5), "62.5");
 * ```
 */
export function formatAlarmNumber(v: number): string {
  return Number.isInteger(v) ? v.toFixed(1) : String(v);
}

function formatStamp(t: number): string {
  const d = new Date(t);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(d.getUTCDate())}/${two(d.getUTCMonth() + 1)}/${two(d.getUTCFullYear() % 100)} ${
    two(d.getUTCHours())
  }:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}

/**
 * The StateReason CloudWatch writes for an evaluation, in its wording, e.g. `Threshold Crossed:
 * 3 out of the last 3 datapoints [210.0 (01/05/26 10:02:00), ...] were greater than the threshold
 * (70.0) (minimum 3 datapoints for OK -> ALARM transition).` (datapoints newest first).
 *
 * @example Usage
 * ```ts
 * import { evaluateAlarm, stateReason } from "./alarm_eval.ts";
 * import assert from "node:assert/strict";
 * const input = {
 *   datapoints: [{ timestamp: Date.UTC(2026, 4, 1, 10, 0), value: 95 }],
 *   evaluationPeriods: 1, datapointsToAlarm: 1, threshold: 90,
 *   comparisonOperator: "GreaterThanOrEqualToThreshold" as const, currentState: "OK" as const,
 * };
 * assert.equal(
 *   stateReason(input, evaluateAlarm(input)),
 *   "Threshold Crossed: 1 datapoint [95.0 (01/05/26 10:00:00)] was greater than or equal to the threshold (90.0).",
 * );
 * ```
 */
export function stateReason(input: AlarmEvaluationInput, result: AlarmEvaluation): string {
  const n = input.evaluationPeriods;
  const m = input.datapointsToAlarm;
  const words = OPERATOR_WORDS[input.comparisonOperator];
  const threshold = formatAlarmNumber(input.threshold);
  if (result.rule === "insufficient") {
    const missing = input.datapoints.length;
    return `Insufficient Data: ${missing} datapoint${missing === 1 ? " was" : "s were"} unknown.`;
  }
  if (result.rule === "retained") {
    return `Unchecked: missing datapoints are ignored; the alarm keeps its ${input.currentState} state.`;
  }
  if (result.rule === "filled") {
    const as = input.treatMissingData === "breaching" ? "Breaching" : "NonBreaching";
    return `Threshold Crossed: no datapoints were received for ${result.filled} period${
      result.filled === 1 ? "" : "s"
    } and ${result.filled} missing datapoint${
      result.filled === 1 ? " was" : "s were"
    } treated as [${as}].`;
  }
  const alarm = result.state === "ALARM";
  const shown = alarm
    ? result.evaluated.filter((d) =>
      breaches(d.value!, { operator: input.comparisonOperator, threshold: input.threshold })
    )
    : result.evaluated.filter((d) =>
      !breaches(d.value!, { operator: input.comparisonOperator, threshold: input.threshold })
    );
  const list = shown.toReversed()
    .map((d) => `${formatAlarmNumber(d.value!)} (${formatStamp(d.timestamp)})`)
    .join(", ");
  const verb = shown.length === 1 ? "was" : "were";
  const relation = alarm ? words : `not ${words}`;
  if (n === 1 && m === 1) {
    return `Threshold Crossed: 1 datapoint [${list}] ${verb} ${relation} the threshold (${threshold}).`;
  }
  const needed = alarm ? m : n - m + 1;
  const transition = alarm ? "OK -> ALARM" : "ALARM -> OK";
  return `Threshold Crossed: ${shown.length} out of the last ${n} datapoints [${list}] ${verb} ${relation} the threshold (${threshold}) (minimum ${needed} datapoint${
    needed === 1 ? "" : "s"
  } for ${transition} transition).`;
}
