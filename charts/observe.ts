/**
 * The chart of an observation window (`observe`): what an endpoint did while time passed —
 * invocations per minute, instances InService and desired within the MinCapacity–MaxCapacity
 * band, the state of each scaling alarm minute by minute, and the cost so far in dollars — on one
 * UTC time axis, with the scaling activities as labelled vertical rules.
 *
 * @module
 */
import type { TopLevelSpec } from "vega-lite";
import type { Field } from "vega-lite/build/src/channeldef.js";
import type { LayerSpec, UnitSpec } from "vega-lite/build/src/spec/index.js";
import { COLORS, formatCount, utcTimeTooltip, utcTimeX } from "./_style.ts";
import { inputChecks } from "./_validate.ts";
import { VEGA_LITE_SCHEMA } from "./render.ts";
import {
  activityRules,
  costPanel,
  type EvaluationActivity,
  type EvaluationChartOptions,
  instancesPanel,
  invocationsLine,
} from "./evaluation.ts";

/** One minute of an observation window. */
export interface ObservePoint {
  /** Start of the minute, ISO 8601 (UTC). */
  time: string;
  /** Instances InService at the end of the minute. */
  instancesInService: number;
  /** Desired instance count at the end of the minute. */
  desiredInstances: number;
  /** Invocations in the minute, when CloudWatch has a datapoint. */
  invocations?: number;
  /** Invocation errors in the minute, when CloudWatch has a datapoint. */
  errors?: number;
}

/** The states of one alarm over the window. */
export interface ObserveAlarm {
  /** The alarm's name. */
  name: string;
  /** Its state at each sample (DescribeAlarms `StateValue`), oldest first. */
  states: { time: string; state: string }[];
}

/** What the observation chart draws: the observe step's result (or the part it needs). */
export interface ObserveChartInput {
  /** The endpoint observed. */
  endpointName: string;
  /** Per-minute timeline. */
  series: ObservePoint[];
  /** Scaling alarms of the variant's policies. */
  alarms: ObserveAlarm[];
  /** Scaling activities that started in the window. */
  activities: EvaluationActivity[];
  /** The scalable target's MinCapacity (bottom of the capacity band). */
  minCapacity?: number;
  /** The scalable target's MaxCapacity (top of the capacity band). */
  maxCapacity?: number;
  /** Price of one instance per hour, in dollars: adds the cost panel. */
  pricePerHour?: number;
}

/** Options of {@linkcode observeChart}: the evaluation chart's panel size. */
export type ObserveChartOptions = EvaluationChartOptions;

/** Y-axis title of the alarm panel. */
export const ALARMS_TITLE = "Alarm (by name)";
/** Legend title of the alarm states. */
export const ALARM_STATE_TITLE = "Alarm state";

const ALARM_STATES = [
  { state: "OK", color: COLORS.green },
  { state: "ALARM", color: COLORS.red },
  { state: "INSUFFICIENT_DATA", color: COLORS.grey },
] as const;

/**
 * The alarm panel: one row per alarm, its state minute by minute as coloured segments (each
 * sample holds until the next).
 *
 * @example Usage
 * ```ts
 * import assert from "node:assert/strict";
 * import { alarmStatesPanel } from "./observe.ts";
 * const panel = alarmStatesPanel([{ name: "high", states: [
 *   { time: "2024-05-01T10:00:00Z", state: "OK" }, { time: "2024-05-01T10:01:00Z", state: "ALARM" },
 * ] }], { end: "2024-05-01T10:02:00Z" });
 * const values = (panel!.layer[0] as { data: { values: { end: string }[] } }).data.values;
 * assert.deepEqual(values.map((v) => v.end), ["2024-05-01T10:01:00Z", "2024-05-01T10:02:00Z"]);
 * ```
 */
export function alarmStatesPanel(
  alarms: readonly ObserveAlarm[],
  options: ObserveChartOptions & {
    /** End of the last segment (the window's end), ISO 8601. */
    end: string;
  },
): LayerSpec<Field> | undefined {
  const { width = 640, end } = options;
  const values = alarms.flatMap((alarm) =>
    alarm.states.map((s, i) => ({
      alarm: alarm.name,
      state: s.state,
      time: s.time,
      end: alarm.states[i + 1]?.time ?? end,
    }))
  );
  if (values.length === 0) return undefined;
  return {
    width,
    height: Math.max(24, 22 * alarms.length),
    layer: [{
      data: { values },
      mark: { type: "rect" },
      encoding: {
        x: utcTimeX(),
        x2: { field: "end" },
        y: {
          field: "alarm",
          type: "nominal",
          title: ALARMS_TITLE,
          axis: { labelLimit: 260 },
        },
        color: {
          field: "state",
          type: "nominal",
          title: ALARM_STATE_TITLE,
          scale: {
            domain: ALARM_STATES.map((s) => s.state),
            range: ALARM_STATES.map((s) => s.color),
          },
          legend: { orient: "bottom" },
        },
        tooltip: [
          utcTimeTooltip(),
          { field: "alarm", type: "nominal", title: "Alarm" },
          { field: "state", type: "nominal", title: ALARM_STATE_TITLE },
        ],
      },
    }],
  };
}

function invocationsPanel(
  input: ObserveChartInput,
  options: ObserveChartOptions,
): LayerSpec<Field> | undefined {
  const { width = 640, height = 220 } = options;
  const values = input.series.flatMap(({ time, invocations }) =>
    invocations === undefined ? [] : [{ time, invocations }]
  );
  if (values.length === 0) return undefined;
  return {
    width,
    height,
    layer: [
      invocationsLine(values),
      ...activityRules(input.activities),
    ],
  };
}

/**
 * Dollars of a window: instances in service x price per hour / 60, summed over its minutes.
 *
 * @example Usage
 * ```ts
 * import assert from "node:assert/strict";
 * import { windowCost } from "./observe.ts";
 * const p = (n: number) => ({ time: "2024-05-01T10:00:00Z", instancesInService: n, desiredInstances: n });
 * assert.ok(Math.abs(windowCost([p(3), p(3)], 0.6) - 0.06) < 1e-12); // 6 instance-minutes
 * ```
 */
export function windowCost(series: readonly ObservePoint[], pricePerHour: number): number {
  const instanceMinutes = series.reduce((sum, p) => sum + p.instancesInService, 0);
  return instanceMinutes * pricePerHour / 60;
}

/**
 * A one-line summary of an observation window: its length, instances InService from its first
 * to its last minute, invocations, scaling activities, instance-minutes and (with a price) its
 * cost in dollars.
 *
 * @example Usage
 * ```ts
 * import assert from "node:assert/strict";
 * import { observeSummary } from "./observe.ts";
 * const p = (n: number) => ({ time: "2026-01-01T00:00:00.000Z", instancesInService: n, desiredInstances: n });
 * assert.equal(
 *   observeSummary({ series: [p(4), p(2)], activities: [], pricePerHour: 0.102 }),
 *   "2 min: InService 4 → 2, 0 invocations, 0 scaling activities, 6 instance-min, $0.01",
 * );
 * ```
 */
export function observeSummary(
  input: Pick<ObserveChartInput, "series" | "activities" | "pricePerHour">,
): string {
  const { series, activities, pricePerHour } = input;
  const invocations = series.reduce((n, p) => n + (p.invocations ?? 0), 0);
  const instanceMinutes = series.reduce((n, p) => n + p.instancesInService, 0);
  const n = activities.length;
  return `${series.length} min: InService ${series[0]?.instancesInService ?? 0} → ${
    series.at(-1)?.instancesInService ?? 0
  }, ${formatCount(invocations)} invocations, ${n} scaling ${
    n === 1 ? "activity" : "activities"
  }, ${instanceMinutes} instance-min${
    pricePerHour === undefined ? "" : `, $${windowCost(series, pricePerHour).toFixed(2)}`
  }`;
}

/**
 * The observation window: invocations per minute (when CloudWatch has any), instances InService
 * and desired with the capacity band, the alarm states and (with a price) the cost so far,
 * stacked on a shared UTC time axis, with the scaling activities as rules.
 *
 * @param input The observation.
 * @param options Panel size.
 * @returns A Vega-Lite v5 spec (`vconcat` with a shared x scale).
 * @throws {RangeError} When the series is empty or a number or time is not valid.
 *
 * @example Usage
 * ```ts
 * import assert from "node:assert/strict";
 * import { observeChart } from "./observe.ts";
 * const spec = observeChart({
 *   endpointName: "ep", minCapacity: 1, maxCapacity: 4, pricePerHour: 0.102,
 *   series: [0, 1].map((m) => ({ time: `2024-05-01T10:0${m}:00Z`, invocations: 0, instancesInService: 3 - m, desiredInstances: 2 })),
 *   alarms: [{ name: "low", states: [{ time: "2024-05-01T10:00:00Z", state: "ALARM" }] }],
 *   activities: [{ time: "2024-05-01T10:00:30Z", description: "Setting desired instance count to 2.", status: "Successful" }],
 * });
 * // invocations, instances, alarms, cost
 * assert.equal("vconcat" in spec && spec.vconcat.length, 4);
 * ```
 */
export function observeChart(
  input: ObserveChartInput,
  options: ObserveChartOptions = {},
): TopLevelSpec {
  validateObservation(input);
  const last = input.series.at(-1)!;
  const end = new Date(Date.parse(last.time) + 60_000).toISOString();
  const asEvaluation = input.series.map((p) => ({ ...p, invocations: p.invocations ?? 0 }));
  const panels: (UnitSpec<Field> | LayerSpec<Field>)[] = [
    invocationsPanel(input, options),
    instancesPanel({ ...input, series: asEvaluation }, options),
    alarmStatesPanel(input.alarms, { ...options, end }),
    costPanel({ series: asEvaluation, pricePerHour: input.pricePerHour }, options),
  ].filter((panel) => panel !== undefined);
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: `${input.endpointName}: what happened while time passed`,
      subtitle: observeSummary(input),
    },
    vconcat: panels,
    resolve: { scale: { x: "shared", color: "independent" } },
    spacing: 12,
  };
}

function validateObservation(input: ObserveChartInput): void {
  const check = inputChecks("the observation");
  check.nonEmpty("its series", input.series);
  input.series.forEach((p, i) => {
    check.time(`series[${i}].time`, p.time);
    check.finite(`series[${i}].instancesInService`, p.instancesInService);
    check.finite(`series[${i}].desiredInstances`, p.desiredInstances);
    check.optionalFinite(`series[${i}].invocations`, p.invocations);
  });
  input.alarms.forEach((a, i) =>
    a.states.forEach((s, k) => check.time(`alarms[${i}].states[${k}].time`, s.time))
  );
  input.activities.forEach((a, i) => check.time(`activities[${i}].time`, a.time));
  check.optionalFinite("pricePerHour", input.pricePerHour);
}
