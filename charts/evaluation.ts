/**
 * Charts of the Advanced-job evaluations (sections 8–8d of the original): one evaluation as
 * stacked panels on a shared time axis — invocations against the expectation, the load (users),
 * instances InService and desired within the MinCapacity–MaxCapacity band, p95 latency, errors,
 * cost in dollars — with the scaling activities as vertical rules labelled with the new capacity;
 * and one chart comparing several evaluations by minutes since their start, over one window.
 *
 * @module
 */
import type { TopLevelSpec } from "vega-lite";
import type { Field } from "vega-lite/build/src/channeldef.js";
import type { LayerSpec, UnitSpec } from "vega-lite/build/src/spec/index.js";
import { CATEGORY_RANGE, COLORS, formatCount, utcTimeTooltip, utcTimeX } from "./_style.ts";
import { inputChecks } from "./_validate.ts";
import { VEGA_LITE_SCHEMA } from "./render.ts";
import { timeRules, valueRule } from "./rules.ts";

/** One minute of an evaluation's timeline. */
export interface EvaluationPoint {
  /** Start of the minute, ISO 8601 (UTC). */
  time: string;
  /** Invocations in that minute, summed over the endpoint's instances. */
  invocations: number;
  /** Instances InService. */
  instancesInService: number;
  /** Desired instance count (what auto scaling asked for). */
  desiredInstances: number;
  /** Model latency p95 in milliseconds. */
  p95Ms?: number;
  /** Invocation errors (4XX + 5XX + model errors) in that minute. */
  errors?: number;
}

/** One scaling activity of Application Auto Scaling. */
export interface EvaluationActivity {
  /** When it started, ISO 8601 (UTC). */
  time: string;
  /** Its description, e.g. "Setting desired instance count to 3." */
  description: string;
  /** Its status code: Successful, Failed, InProgress, Pending... */
  status: string;
}

/** What the evaluation charts draw: the evaluate step's result (or the part they need). */
export interface EvaluationChartInput {
  /** The policy evaluated, e.g. "target tracking 3300". */
  label: string;
  /** Users added per minute by the job's traffic pattern. */
  spawnRate: number;
  /** The invocations per minute the endpoint must reach (max TPS x 60). */
  expectation: number;
  /** Per-minute timeline of the evaluation. */
  series: EvaluationPoint[];
  /** Scaling activities during the evaluation. */
  activities: EvaluationActivity[];
  /** The verdict. */
  passed: boolean;
  /** The scalable target's MinCapacity: drawn as the bottom of the capacity band. */
  minCapacity?: number;
  /** The scalable target's MaxCapacity: drawn as the top of the capacity band. */
  maxCapacity?: number;
  /** Price of one instance per hour, in dollars: adds the cost panel. */
  pricePerHour?: number;
  /**
   * Users at the start of the ramp (Inference Recommender's InitialNumberOfUsers).
   * @default {1}
   */
  initialUsers?: number;
  /**
   * Minutes the time axis spans from the first minute (the ramp's length), so that evaluations
   * that stopped early are drawn, and cost, over the same window; the series' own span when
   * absent or shorter.
   */
  windowMinutes?: number;
}

/** Options for the evaluation charts. */
export interface EvaluationChartOptions {
  /**
   * Width of each panel in pixels.
   *
   * @default {640}
   */
  width?: number;
  /**
   * Height of the invocations panel in pixels (the other panels are 60 % of it).
   *
   * @default {220}
   */
  height?: number;
}

/** Axis title of invocations. */
export const EVALUATION_INVOCATIONS_TITLE = "Invocations per minute";
/** Axis title of the instance counts. */
export const INSTANCES_TITLE = "Instances (count)";
/** Axis title of the users (the load). */
export const USERS_TITLE = "Load (users)";
/** Axis title of the cost. */
export const COST_TITLE = "Cost so far ($)";
/** Axis title of p95 latency. */
export const P95_TITLE = "Model latency p95 (ms)";
/** Axis title of errors. */
export const ERRORS_TITLE = "Errors per minute";
/** Axis title of the comparison's x axis. */
export const MINUTES_TITLE = "Minutes since start (min)";

const INSTANCE_SERIES = [
  { key: "instancesInService", name: "Instances InService", color: COLORS.blue },
  { key: "desiredInstances", name: "Desired instances", color: COLORS.orange },
] as const;

/**
 * The expectation as a labelled horizontal rule in invocations per minute.
 *
 * @param expectation Invocations per minute the endpoint must reach (max TPS x 60).
 * @returns A rule layer for the invocations panel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { expectationRule } from "./evaluation.ts";
 *
 * const rule = expectationRule(30000);
 * assert.deepEqual(rule.layer[0].encoding?.y, { datum: 30000, type: "quantitative" });
 * ```
 */
export function expectationRule(expectation: number): ReturnType<typeof valueRule> {
  return valueRule({
    value: expectation,
    label: `Expectation ${formatCount(expectation)}`,
    color: COLORS.red,
  });
}

/**
 * Scaling activities as vertical rules with their description and status in the tooltip;
 * failed activities red, the others grey.
 *
 * @param activities The activities.
 * @returns Up to two rule marks; none without activities.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { activityRules } from "./evaluation.ts";
 *
 * const rules = activityRules([
 *   { time: "2024-05-01T10:03:00Z", description: "Setting desired instance count to 3.", status: "Successful" },
 *   { time: "2024-05-01T10:09:00Z", description: "Failed to set desired instance count to 9.", status: "Failed" },
 * ]);
 * assert.equal(rules.length, 2);
 * ```
 */
export function activityRules(
  activities: EvaluationActivity[],
): (UnitSpec<Field> | LayerSpec<Field>)[] {
  const tooltip = [
    { field: "description", title: "Scaling activity" },
    { field: "status", title: "Status" },
  ];
  const failed = activities.filter((a) => a.status === "Failed");
  const others = activities.filter((a) => a.status !== "Failed");
  return [
    ...(others.length > 0
      ? [timeRules({ data: others.map(toDatum), tooltip, label: "label" })]
      : []),
    ...(failed.length > 0
      ? [timeRules({ data: failed.map(toDatum), tooltip, color: COLORS.red, label: "label" })]
      : []),
  ];
}

/**
 * The invocations-per-minute line that the evaluation and observe charts share.
 *
 * @example Usage
 * ```ts
 * import { invocationsLine } from "./evaluation.ts";
 * import assert from "node:assert/strict";
 * const layer = invocationsLine([{ time: "2026-01-01T00:00:00Z", invocations: 5 }]);
 * assert.equal(layer.encoding?.y && "field" in layer.encoding.y ? layer.encoding.y.field : "", "invocations");
 * ```
 */
export function invocationsLine(
  values: readonly { time: string; invocations: number }[],
): LayerSpec<Field>["layer"][number] {
  return {
    data: { values: [...values] },
    mark: { type: "line", point: { color: COLORS.blue }, color: COLORS.blue, strokeWidth: 2 },
    encoding: {
      x: utcTimeX(),
      y: { field: "invocations", type: "quantitative", title: EVALUATION_INVOCATIONS_TITLE },
      tooltip: [
        utcTimeTooltip(),
        {
          field: "invocations",
          type: "quantitative",
          title: EVALUATION_INVOCATIONS_TITLE,
          format: ",",
        },
      ],
    },
  };
}

/**
 * The invocations panel: invocations per minute, the expectation rule and the activities.
 *
 * @param input The evaluation.
 * @param options Panel size.
 * @returns A layer spec for the panel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { invocationsPanel } from "./evaluation.ts";
 *
 * const panel = invocationsPanel({
 *   expectation: 30000,
 *   series: [{ time: "2024-05-01T10:00:00Z", invocations: 9000, instancesInService: 1, desiredInstances: 1 }],
 *   activities: [],
 * });
 * assert.equal(panel.layer.length, 2);
 * ```
 */
export function invocationsPanel(
  input: Pick<EvaluationChartInput, "expectation" | "series" | "activities">,
  options: EvaluationChartOptions = {},
): LayerSpec<Field> {
  const { width = 640, height = 220 } = options;
  return {
    width,
    height,
    layer: [
      invocationsLine(input.series.map(({ time, invocations }) => ({ time, invocations }))),
      expectationRule(input.expectation),
      ...activityRules(input.activities),
    ],
  };
}

/**
 * The instances panel: instances InService and desired as step lines (`step-after`: a count
 * holds until it changes), with the activities.
 *
 * @param input The evaluation.
 * @param options Panel size.
 * @returns A layer spec for the panel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { instancesPanel } from "./evaluation.ts";
 *
 * const panel = instancesPanel({
 *   series: [{ time: "2024-05-01T10:00:00Z", invocations: 9000, instancesInService: 1, desiredInstances: 2 }],
 *   activities: [],
 * });
 * assert.deepEqual("mark" in panel.layer[0] && panel.layer[0].mark, { type: "line", interpolate: "step-after", strokeWidth: 2 });
 * ```
 */
export function instancesPanel(
  input: Pick<EvaluationChartInput, "series" | "activities" | "minCapacity" | "maxCapacity">,
  options: EvaluationChartOptions = {},
): LayerSpec<Field> {
  const { width = 640, height = 220 } = options;
  const values = input.series.flatMap((point) =>
    INSTANCE_SERIES.map(({ key, name }) => ({
      time: point.time,
      series: name,
      instances: point[key],
    }))
  );
  return {
    width,
    height: Math.round(height * 0.6),
    layer: [
      {
        data: { values },
        mark: { type: "line", interpolate: "step-after", strokeWidth: 2 },
        encoding: {
          x: utcTimeX(),
          y: {
            field: "instances",
            type: "quantitative",
            title: INSTANCES_TITLE,
            axis: { tickMinStep: 1, format: "d" },
            scale: { zero: true },
          },
          color: {
            field: "series",
            type: "nominal",
            scale: {
              domain: INSTANCE_SERIES.map((s) => s.name),
              range: INSTANCE_SERIES.map((s) => s.color),
            },
            // Below the panel: the right side holds the MinCapacity/MaxCapacity labels.
            legend: { title: null, orient: "bottom" },
          },
          strokeDash: {
            field: "series",
            type: "nominal",
            scale: { domain: INSTANCE_SERIES.map((s) => s.name), range: [[1, 0], [5, 3]] },
            legend: null,
          },
          tooltip: [
            utcTimeTooltip(),
            { field: "series", type: "nominal", title: "Series" },
            { field: "instances", type: "quantitative", title: INSTANCES_TITLE },
          ],
        },
      },
      ...capacityBand(input),
      ...activityRules(input.activities),
    ],
  };
}

/** The MinCapacity–MaxCapacity band with its two labelled edges (none when unknown). */
function capacityBand(
  input: Pick<EvaluationChartInput, "minCapacity" | "maxCapacity">,
): (UnitSpec<Field> | LayerSpec<Field>)[] {
  const { minCapacity: min, maxCapacity: max } = input;
  if (min === undefined || max === undefined) return [];
  return [
    {
      data: { values: [{}] },
      mark: { type: "rect", color: COLORS.blue, opacity: 0.08 },
      encoding: {
        y: { datum: min, type: "quantitative" },
        y2: { datum: max },
        tooltip: { value: `Scaling range: MinCapacity ${min} to MaxCapacity ${max}` },
      },
    },
    valueRule({ value: max, label: `MaxCapacity ${max}`, color: COLORS.grey, strokeDash: [1, 2] }),
    valueRule({ value: min, label: `MinCapacity ${min}`, color: COLORS.grey, strokeDash: [1, 2] }),
  ];
}

/** Users of the closed-loop ramp per minute: initial users + spawn rate x minutes. */
function usersOf(input: Pick<EvaluationChartInput, "series" | "spawnRate" | "initialUsers">) {
  const start = Date.parse(input.series[0].time);
  return input.series.map(({ time }) => ({
    time,
    users: (input.initialUsers ?? 1) +
      Math.floor(input.spawnRate * (Date.parse(time) - start) / 60_000),
  }));
}

/**
 * The load: the users the Advanced job's ramp had each minute, so that a reader can tell a
 * load-limited run (users too few for the fleet) from a capacity-limited one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { usersPanel } from "./evaluation.ts";
 *
 * const panel = usersPanel({
 *   spawnRate: 3, activities: [],
 *   series: [0, 1, 2].map((m) => ({ time: `2024-05-01T10:0${m}:00Z`, invocations: 1, instancesInService: 1, desiredInstances: 1 })),
 * });
 * const line = panel.layer[0] as { data: { values: { users: number }[] } };
 * assert.deepEqual(line.data.values.map((v) => v.users), [1, 4, 7]);
 * ```
 */
export function usersPanel(
  input: Pick<EvaluationChartInput, "series" | "spawnRate" | "initialUsers" | "activities">,
  options: EvaluationChartOptions = {},
): LayerSpec<Field> {
  const { width = 640, height = 220 } = options;
  return {
    width,
    height: Math.round(height * 0.4),
    layer: [{
      data: { values: usersOf(input) },
      mark: { type: "line", interpolate: "step-after", color: COLORS.purple, strokeWidth: 2 },
      encoding: {
        x: utcTimeX(),
        y: { field: "users", type: "quantitative", title: USERS_TITLE, scale: { zero: true } },
        tooltip: [utcTimeTooltip(), { field: "users", type: "quantitative", title: USERS_TITLE }],
      },
    }, ...activityRules(input.activities)],
  };
}

/** Cost so far in dollars per minute of a series: instances in service x price / 60, summed. */
function costOf(series: readonly EvaluationPoint[], pricePerHour: number) {
  let total = 0;
  return series.map(({ time, instancesInService }) => {
    total += instancesInService * pricePerHour / 60;
    return { time, cost: Math.round(total * 10_000) / 10_000 };
  });
}

/**
 * What the evaluation has cost so far, in dollars: instances in service x price per hour / 60,
 * summed minute by minute (none without a price).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { costPanel } from "./evaluation.ts";
 *
 * const series = [2, 4].map((n, m) => ({ time: `2024-05-01T10:0${m}:00Z`, invocations: 1, instancesInService: n, desiredInstances: n }));
 * const panel = costPanel({ series, pricePerHour: 0.6 });
 * assert.deepEqual((panel!.data as { values: { cost: number }[] }).values.map((v) => v.cost), [0.02, 0.06]);
 * assert.equal(costPanel({ series }), undefined);
 * ```
 */
export function costPanel(
  input: Pick<EvaluationChartInput, "series" | "pricePerHour">,
  options: EvaluationChartOptions = {},
): UnitSpec<Field> & { width: number; height: number } | undefined {
  const { width = 640, height = 220 } = options;
  if (input.pricePerHour === undefined) return undefined;
  return {
    width,
    height: Math.round(height * 0.4),
    data: { values: costOf(input.series, input.pricePerHour) },
    mark: { type: "area", color: COLORS.green, opacity: 0.5, line: { color: COLORS.green } },
    encoding: {
      x: utcTimeX(),
      y: { field: "cost", type: "quantitative", title: COST_TITLE, axis: { format: "$,.2f" } },
      tooltip: [
        utcTimeTooltip(),
        { field: "cost", type: "quantitative", title: COST_TITLE, format: "$,.3f" },
      ],
    },
  };
}

/**
 * The latency panel: model latency p95 per minute, with the activities.
 *
 * @param input The evaluation.
 * @param options Panel size.
 * @returns A layer spec for the panel, or `undefined` when no point has a p95.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { latencyPanel } from "./evaluation.ts";
 *
 * const point = { time: "2024-05-01T10:00:00Z", invocations: 1, instancesInService: 1, desiredInstances: 1 };
 * assert.equal(latencyPanel({ series: [point], activities: [] }), undefined);
 * assert.ok(latencyPanel({ series: [{ ...point, p95Ms: 12 }], activities: [] }));
 * ```
 */
export function latencyPanel(
  input: Pick<EvaluationChartInput, "series" | "activities">,
  options: EvaluationChartOptions = {},
): LayerSpec<Field> | undefined {
  const { width = 640, height = 220 } = options;
  const values = input.series.flatMap(({ time, p95Ms }) =>
    p95Ms === undefined ? [] : [{ time, p95Ms }]
  );
  if (values.length === 0) return undefined;
  return {
    width,
    height: Math.round(height * 0.6),
    layer: [
      {
        data: { values },
        mark: {
          type: "line",
          point: { color: COLORS.orange },
          color: COLORS.orange,
          strokeWidth: 1.5,
        },
        encoding: {
          x: utcTimeX(),
          y: { field: "p95Ms", type: "quantitative", title: P95_TITLE },
          tooltip: [
            utcTimeTooltip(),
            { field: "p95Ms", type: "quantitative", title: P95_TITLE, format: ",.1f" },
          ],
        },
      },
      ...activityRules(input.activities),
    ],
  };
}

/**
 * The errors panel: invocation errors per minute as bars.
 *
 * @param input The evaluation.
 * @param options Panel size.
 * @returns A unit spec for the panel, or `undefined` when no minute had an error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errorsPanel } from "./evaluation.ts";
 *
 * const point = { time: "2024-05-01T10:00:00Z", invocations: 1, instancesInService: 1, desiredInstances: 1 };
 * assert.equal(errorsPanel({ series: [{ ...point, errors: 0 }] }), undefined);
 * assert.ok(errorsPanel({ series: [{ ...point, errors: 4 }] }));
 * ```
 */
export function errorsPanel(
  input: Pick<EvaluationChartInput, "series">,
  options: EvaluationChartOptions = {},
): UnitSpec<Field> & { width: number; height: number } | undefined {
  const { width = 640, height = 220 } = options;
  if (!input.series.some(({ errors }) => errors !== undefined && errors > 0)) return undefined;
  return {
    width,
    height: Math.round(height * 0.4),
    data: {
      values: input.series.map(({ time, errors }) => ({ time, errors: errors ?? 0 })),
    },
    // A pixel width: relative band widths do not apply to a UTC (continuous) scale.
    mark: {
      type: "bar",
      color: COLORS.red,
      width: Math.max(1, Math.floor((width / input.series.length) * 0.8)),
    },
    encoding: {
      x: utcTimeX(),
      y: { field: "errors", type: "quantitative", title: ERRORS_TITLE },
      tooltip: [
        utcTimeTooltip(),
        { field: "errors", type: "quantitative", title: ERRORS_TITLE, format: "," },
      ],
    },
  };
}

/**
 * One evaluation: invocations against the expectation, the users of the ramp, instances
 * InService and desired (with the capacity band when given), p95 latency, (when any) errors and
 * (with a price) the cost so far, stacked on a shared UTC time axis, with the scaling activities
 * as labelled vertical rules in each panel and the verdict with its margin in the title.
 *
 * @param input The evaluation.
 * @param options Panel size.
 * @returns A Vega-Lite v5 spec (`vconcat` with a shared x scale).
 * @throws {RangeError} When the series is empty or a number or time is not valid.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { evaluationChart } from "./evaluation.ts";
 *
 * const spec = evaluationChart({
 *   label: "target tracking", spawnRate: 1, expectation: 30000, passed: false,
 *   series: [{ time: "2024-05-01T10:00:00Z", invocations: 9000, instancesInService: 1, desiredInstances: 2, p95Ms: 40 }],
 *   activities: [{ time: "2024-05-01T10:00:00Z", description: "Setting desired instance count to 2.", status: "Successful" }],
 * });
 * // invocations, users (the load), instances, latency
 * assert.equal("vconcat" in spec && spec.vconcat.length, 4);
 * ```
 */
export function evaluationChart(
  input: EvaluationChartInput,
  options: EvaluationChartOptions = {},
): TopLevelSpec {
  validateEvaluation("the evaluation", input);
  const panels = [
    invocationsPanel(input, options),
    usersPanel(input, options),
    instancesPanel(input, options),
    latencyPanel(input, options),
    errorsPanel(input, options),
    costPanel(input, options),
  ].filter((panel) => panel !== undefined);
  const peak = Math.max(...input.series.map((p) => p.invocations));
  const margin = Math.round(100 * (peak - input.expectation) / input.expectation);
  const n = input.activities.length;
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: `${runName(input)}: ${verdict(input)}, ${margin > 0 ? "+" : ""}${margin} %`,
      subtitle: `Peak ${formatCount(peak)} invocations per minute against an expectation of ${
        formatCount(input.expectation)
      }; ${n} scaling ${n === 1 ? "activity" : "activities"}`,
    },
    vconcat: panels.map((panel) => withTimeDomain(panel, timeWindow(input))),
    resolve: { scale: { x: "shared", color: "independent" } },
    spacing: 12,
  };
}

/**
 * Several evaluations side by side: invocations per minute and instances InService against
 * minutes since each evaluation's start, one colour per policy and spawn rate, with the
 * expectation line(s).
 *
 * @param inputs The evaluations, in legend order.
 * @param options Panel size.
 * @returns A Vega-Lite v5 spec (`vconcat` with shared x and colour scales).
 * @throws {RangeError} When there is no evaluation, a series is empty, or a number or time is
 * not valid.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { evaluationComparisonChart } from "./evaluation.ts";
 *
 * const run = (label: string, spawnRate: number, invocations: number) => ({
 *   label, spawnRate, expectation: 30000, passed: invocations >= 30000, activities: [],
 *   series: [
 *     { time: "2024-05-01T10:00:00Z", invocations: 5000, instancesInService: 1, desiredInstances: 1 },
 *     { time: "2024-05-01T10:01:00Z", invocations, instancesInService: 2, desiredInstances: 2 },
 *   ],
 * });
 * const spec = evaluationComparisonChart([run("target tracking", 1, 30000), run("step scaling", 4, 28000)]);
 * assert.equal("vconcat" in spec && spec.vconcat.length, 2);
 * ```
 */
export function evaluationComparisonChart(
  inputs: EvaluationChartInput[],
  options: EvaluationChartOptions = {},
): TopLevelSpec {
  inputChecks("the comparison").nonEmpty("evaluations", inputs);
  inputs.forEach((input, i) => validateEvaluation(`the comparison (evaluation ${i})`, input));
  const { width = 640, height = 220 } = options;
  const names = uniqueNames(inputs.map((input) => `${runName(input)} (${verdict(input)})`));
  const rows = inputs.flatMap((input, i) => {
    const start = Math.min(...input.series.map((point) => Date.parse(point.time)));
    const cost = input.pricePerHour === undefined
      ? undefined
      : costOf(input.series, input.pricePerHour);
    return input.series.map((point, j) => ({
      run: names[i]!,
      minutes: (Date.parse(point.time) - start) / 60_000,
      invocations: point.invocations,
      instances: point.instancesInService,
      ...(cost && { cost: cost[j].cost }),
    }));
  });
  // One window for all: the longest ramp (or run), so that runs and their costs compare.
  const longest = Math.max(
    ...rows.map((r) => r.minutes),
    ...inputs.map((input) => input.windowMinutes ?? 0),
  );
  const x = {
    field: "minutes",
    type: "quantitative" as const,
    title: MINUTES_TITLE,
    scale: { domain: [0, longest] },
  };
  const color = {
    field: "run",
    type: "nominal",
    scale: { domain: names, range: [...CATEGORY_RANGE] },
    legend: { title: null, orient: "bottom", direction: "vertical", labelLimit: 0 },
  } as const;
  const tooltip = (field: string, title: string) =>
    [
      { field: "run", type: "nominal", title: "Evaluation" },
      { field: "minutes", type: "quantitative", title: MINUTES_TITLE, format: ".1f" },
      { field, type: "quantitative", title, format: "," },
    ] as const;
  const expectations = [...new Set(inputs.map((input) => input.expectation))];
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: "Evaluations compared",
      subtitle: `Invocations per minute, instances InService${
        inputs.every((input) => input.pricePerHour !== undefined) ? " and cost" : ""
      } since each evaluation started, over the longest ramp`,
    },
    data: { values: rows },
    vconcat: [
      {
        width,
        height,
        layer: [
          {
            mark: { type: "line", point: true, strokeWidth: 2 },
            encoding: {
              x,
              y: {
                field: "invocations",
                type: "quantitative",
                title: EVALUATION_INVOCATIONS_TITLE,
              },
              color,
              tooltip: [...tooltip("invocations", EVALUATION_INVOCATIONS_TITLE)],
            },
          },
          ...expectations.map(expectationRule),
        ],
      },
      {
        width,
        height: Math.round(height * 0.6),
        mark: { type: "line", interpolate: "step-after", strokeWidth: 2 },
        encoding: {
          x,
          y: {
            field: "instances",
            type: "quantitative",
            title: "Instances InService (count)",
            axis: { tickMinStep: 1, format: "d" },
          },
          color,
          tooltip: [...tooltip("instances", "Instances InService (count)")],
        },
      },
      // Cost on the same minutes-since-start axis: the windows are comparable across runs.
      ...(inputs.every((input) => input.pricePerHour !== undefined)
        ? [{
          width,
          height: Math.round(height * 0.5),
          mark: { type: "line" as const, interpolate: "step-after" as const, strokeWidth: 2 },
          encoding: {
            x,
            y: {
              field: "cost",
              type: "quantitative" as const,
              title: COST_TITLE,
              axis: { format: "$,.2f" },
            },
            color,
            tooltip: [...tooltip("cost", COST_TITLE)],
          },
        }]
        : []),
    ],
    resolve: { scale: { x: "shared", color: "shared" } },
    spacing: 12,
  };
}

function runName(input: EvaluationChartInput): string {
  const users = input.spawnRate === 1 ? "user" : "users";
  return `${input.label}, spawn rate ${input.spawnRate} ${users} per minute`;
}

function verdict(input: EvaluationChartInput): string {
  return input.passed ? "passed" : "failed";
}

function uniqueNames(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((name) => {
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    return count === 1 ? name : `${name} #${count}`;
  });
}

/** The time axis' domain in ms: from the first minute over the window, or the series' span. */
function timeWindow(input: EvaluationChartInput): [number, number] | undefined {
  if (input.windowMinutes === undefined) return undefined;
  const times = input.series.map((p) => Date.parse(p.time));
  const start = Math.min(...times);
  return [start, Math.max(start + input.windowMinutes * 60_000, Math.max(...times))];
}

/** Sets the domain of every `time` x scale of a panel (all its layers). */
function withTimeDomain<T>(panel: T, domain: [number, number] | undefined): T {
  if (domain === undefined) return panel;
  // deno-lint-ignore no-explicit-any
  const visit = (spec: any): any => {
    if (Array.isArray(spec?.layer)) return { ...spec, layer: spec.layer.map(visit) };
    const x = spec?.encoding?.x;
    if (x?.field !== "time") return spec;
    return { ...spec, encoding: { ...spec.encoding, x: { ...x, scale: { ...x.scale, domain } } } };
  };
  return visit(panel);
}

function toDatum(activity: EvaluationActivity) {
  // The new capacity, from "Setting desired instance count to 3.": the label over the rule.
  const capacity = /(\d+)\D*$/.exec(activity.description)?.[1];
  return {
    time: activity.time,
    description: activity.description,
    status: activity.status,
    label: capacity === undefined ? activity.status : `→ ${capacity}`,
  };
}

function validateEvaluation(chart: string, input: EvaluationChartInput): void {
  const check = inputChecks(chart);
  check.nonEmpty("series", input.series);
  check.finite("spawnRate", input.spawnRate);
  check.finite("expectation", input.expectation);
  input.series.forEach((point, i) => {
    check.time(`series[${i}].time`, point.time);
    for (const key of ["invocations", "instancesInService", "desiredInstances"] as const) {
      check.finite(`series[${i}].${key}`, point[key]);
    }
    check.optionalFinite(`series[${i}].p95Ms`, point.p95Ms);
    check.optionalFinite(`series[${i}].errors`, point.errors);
  });
  input.activities.forEach((activity, i) => {
    check.time(`activities[${i}].time`, activity.time);
  });
}
