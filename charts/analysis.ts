/**
 * Charts of the Default job's analysis (section 6b of the original): invocations per minute with
 * model latency on a right axis, and utilization with invocations on a right axis, both with
 * horizontal rules at the upper and lower limits and vertical rules where the invocation curve
 * crosses them.
 *
 * @module
 */
import type { TopLevelSpec } from "vega-lite";
import type { Field } from "vega-lite/build/src/channeldef.js";
import type { LayerSpec, UnitSpec } from "vega-lite/build/src/spec/index.js";
import {
  COLORS,
  formatCount,
  formatPercent,
  formatUtcMinute,
  utcTimeTooltip,
  utcTimeX,
} from "./_style.ts";
import { inputChecks } from "./_validate.ts";
import { VEGA_LITE_SCHEMA } from "./render.ts";
import { timeRules, valueRule } from "./rules.ts";

/** One minute of the Default job's metrics, as the analyze step reads them. */
export interface AnalysisPoint {
  /** Start of the minute, ISO 8601 (UTC). */
  time: string;
  /** Invocations in that minute (CloudWatch `Invocations`, Sum, Period 60). */
  invocations: number;
  /** Model latency p50 in milliseconds. */
  modelLatencyP50Ms?: number;
  /** Model latency p95 in milliseconds. */
  modelLatencyP95Ms?: number;
  /** CPU utilization in percent, summed over vCPUs (so up to 100 x vCPUs), as CloudWatch has it. */
  cpuUtilization?: number;
  /** Memory utilization in percent. */
  memoryUtilization?: number;
  /** Disk utilization in percent. */
  diskUtilization?: number;
}

/** Where the invocation curve crosses a limit. */
export interface AnalysisCrossing {
  /** Which limit is crossed. */
  limit: "upper" | "lower";
  /** When, ISO 8601 (UTC). */
  time: string;
}

/** What the analysis charts draw: the analyze step's result (or the part of it they need). */
export interface AnalysisChartInput {
  /** Per-minute metrics over the job's invocation window. */
  series: AnalysisPoint[];
  /** Maximum invocations per minute (levels with errors over 1 % ignored). */
  maxValue: number;
  /** Upper limit in invocations per minute (`maxValue` x `upperPercent` / 100). */
  upperLimit: number;
  /** Lower limit in invocations per minute. */
  lowerLimit: number;
  /** Upper limit as a percentage of `maxValue`. */
  upperPercent: number;
  /** Lower limit as a percentage of `maxValue`. */
  lowerPercent: number;
  /** Times where the invocation curve crosses the limits. */
  crossings: AnalysisCrossing[];
  /** Chart title; each chart has its own default. */
  title?: string;
}

/** Options for the analysis charts. */
export interface AnalysisChartOptions {
  /**
   * Width of the plot area in pixels.
   *
   * @default {640}
   */
  width?: number;
  /**
   * Height of the plot area in pixels.
   *
   * @default {300}
   */
  height?: number;
}

/** Legend entry of the invocation line. */
export const INVOCATIONS_SERIES = "Invocations per minute";
/** Axis title of invocations. */
export const INVOCATIONS_TITLE = "Invocations per minute";
/** Axis title of model latency. */
export const LATENCY_TITLE = "Model latency (ms)";
/** Axis title of utilization. */
export const UTILIZATION_TITLE = "Utilization (%)";

const LATENCY_SERIES = [
  { key: "modelLatencyP50Ms", name: "Model latency p50", color: COLORS.teal },
  { key: "modelLatencyP95Ms", name: "Model latency p95", color: COLORS.orange },
] as const;

const UTILIZATION_SERIES = [
  { key: "cpuUtilization", name: "CPU (summed over vCPUs)", color: COLORS.blue },
  { key: "memoryUtilization", name: "Memory", color: COLORS.purple },
  { key: "diskUtilization", name: "Disk", color: COLORS.brown },
] as const;

const LIMIT_COLORS = { upper: COLORS.red, lower: COLORS.green } as const;

/**
/** Options for {@linkcode invocationsLine}. */
export interface InvocationsLineOptions {
  /**
   * Side of the invocation axis.
   *
   * @default {"left"}
   */
  orient?: "left" | "right";
  /**
   * Colour of the axis title (the line's colour comes from the legend).
   *
   * @default {"#4c78a8"}
   */
  color?: string;
  /**
   * The colour legend the chart's layers share.
   *
   * @default {{ domain: ["Invocations per minute"], range: [color] }}
   */
  legend?: SeriesLegend;
}

/**
 * The invocation curve: one line of invocations per minute on the shared time axis.
 *
 * @param input The analysis.
 * @param options Axis side, colour and legend.
 * @returns A line mark with its own data, coloured through the shared `series` legend.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { invocationsLine } from "./analysis.ts";
 *
 * const line = invocationsLine({ series: [{ time: "2024-05-01T10:00:00Z", invocations: 1200 }] });
 * assert.deepEqual((line.data as { values: unknown[] }).values, [
 *   { time: "2024-05-01T10:00:00Z", series: "Invocations per minute", invocations: 1200 },
 * ]);
 * ```
 */
export function invocationsLine(
  input: Pick<AnalysisChartInput, "series">,
  options: InvocationsLineOptions = {},
): UnitSpec<Field> {
  const {
    orient = "left",
    color = COLORS.blue,
    legend = legendOf([{ name: INVOCATIONS_SERIES, color }]),
  } = options;
  return {
    data: {
      values: input.series.map(({ time, invocations }) => ({
        time,
        series: INVOCATIONS_SERIES,
        invocations,
      })),
    },
    mark: { type: "line", point: true, strokeWidth: 2 },
    encoding: {
      x: utcTimeX(),
      y: {
        field: "invocations",
        type: "quantitative",
        title: INVOCATIONS_TITLE,
        axis: { orient, titleColor: color },
      },
      color: seriesColor(legend),
      tooltip: [
        utcTimeTooltip(),
        { field: "invocations", type: "quantitative", title: INVOCATIONS_TITLE, format: "," },
      ],
    },
  };
}

/**
 * Model latency p50 and p95 as two lines on a right-hand axis.
 *
 * @param input The analysis.
 * @param legend The shared colour legend.
 * @returns A line mark with its own long-format data, or `undefined` when no point has latency.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { latencyLines } from "./analysis.ts";
 *
 * const lines = latencyLines({
 *   series: [{ time: "2024-05-01T10:00:00Z", invocations: 1, modelLatencyP95Ms: 12 }],
 * });
 * assert.equal((lines?.data as { values: unknown[] }).values.length, 1);
 * assert.equal(latencyLines({ series: [{ time: "2024-05-01T10:00:00Z", invocations: 1 }] }), undefined);
 * ```
 */
export function latencyLines(
  input: Pick<AnalysisChartInput, "series">,
  legend: SeriesLegend = legendOf(LATENCY_SERIES),
): UnitSpec<Field> | undefined {
  return seriesLines(input.series, LATENCY_SERIES, legend, {
    field: "latencyMs",
    title: LATENCY_TITLE,
  });
}

/**
 * CPU (summed over vCPUs), memory and disk utilization as lines on a left-hand axis.
 *
 * @param input The analysis.
 * @param legend The shared colour legend.
 * @returns A line mark with its own long-format data, or `undefined` when no point has any.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { utilizationLines } from "./analysis.ts";
 *
 * const lines = utilizationLines({
 *   series: [{ time: "2024-05-01T10:00:00Z", invocations: 1, cpuUtilization: 150, memoryUtilization: 20 }],
 * });
 * assert.deepEqual((lines?.data as { values: unknown[] }).values, [
 *   { time: "2024-05-01T10:00:00Z", series: "CPU (summed over vCPUs)", utilization: 150 },
 *   { time: "2024-05-01T10:00:00Z", series: "Memory", utilization: 20 },
 * ]);
 * ```
 */
export function utilizationLines(
  input: Pick<AnalysisChartInput, "series">,
  legend: SeriesLegend = legendOf(UTILIZATION_SERIES),
): UnitSpec<Field> | undefined {
  return seriesLines(input.series, UTILIZATION_SERIES, legend, {
    field: "utilization",
    title: UTILIZATION_TITLE,
  });
}

/**
 * Labelled horizontal rules at the upper and lower limits, in invocations per minute.
 *
 * @param input The analysis.
 * @returns Two rule layers (upper first), to put in the layer that holds the invocation axis.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { limitRules } from "./analysis.ts";
 *
 * const [upper, lower] = limitRules({
 *   maxValue: 3300, upperLimit: 1815, lowerLimit: 1485, upperPercent: 55, lowerPercent: 45,
 * });
 * assert.deepEqual(upper?.layer[1]?.encoding?.text, {
 *   value: "Upper 55 % of 3,300: 1,815",
 * });
 * assert.deepEqual(lower?.layer[0]?.encoding?.y, { datum: 1485, type: "quantitative" });
 * ```
 */
export function limitRules(
  input: Pick<
    AnalysisChartInput,
    "maxValue" | "upperLimit" | "lowerLimit" | "upperPercent" | "lowerPercent"
  >,
): ReturnType<typeof valueRule>[] {
  const max = formatCount(input.maxValue);
  return [
    valueRule({
      value: input.upperLimit,
      label: `Upper ${formatPercent(input.upperPercent)} of ${max}: ${
        formatCount(input.upperLimit)
      }`,
      color: LIMIT_COLORS.upper,
    }),
    valueRule({
      value: input.lowerLimit,
      label: `Lower ${formatPercent(input.lowerPercent)} of ${max}: ${
        formatCount(input.lowerLimit)
      }`,
      color: LIMIT_COLORS.lower,
    }),
  ];
}

/**
 * Vertical rules at the times the invocation curve crosses a limit, coloured like that limit.
 *
 * @param input The analysis.
 * @returns Up to two rule marks (upper crossings, lower crossings); none without crossings.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { crossingRules } from "./analysis.ts";
 *
 * const rules = crossingRules({ crossings: [{ limit: "lower", time: "2024-05-01T10:04:00Z" }] });
 * assert.equal(rules.length, 1);
 * ```
 */
export function crossingRules(
  input: Pick<AnalysisChartInput, "crossings">,
): (UnitSpec<Field> | LayerSpec<Field>)[] {
  return (["upper", "lower"] as const).flatMap((limit) => {
    const data = input.crossings
      .filter((crossing) => crossing.limit === limit)
      .map(({ time }) => ({
        time,
        crossing: `${limit} limit at ${formatUtcMinute(time)} UTC`,
        label: `${limit} crossed`,
      }));
    if (data.length === 0) return [];
    return [timeRules({
      data,
      color: LIMIT_COLORS[limit],
      tooltip: [{ field: "crossing", title: "Crossing" }],
      label: "label",
      labelLine: limit === "upper" ? 1 : 0,
    })];
  });
}

/**
 * Invocations per minute with the limits as labelled horizontal rules and the crossings as
 * labelled vertical rules, above a panel of model latency p50/p95 on the same time axis.
 *
 * @param input The analysis.
 * @param options Plot size.
 * @returns A Vega-Lite v5 spec (two panels on a shared time axis; one without latency).
 * @throws {RangeError} When the series is empty or a number or time is not valid.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analysisInvocationsChart } from "./analysis.ts";
 *
 * const spec = analysisInvocationsChart({
 *   series: [
 *     { time: "2024-05-01T10:00:00Z", invocations: 1200, modelLatencyP95Ms: 8 },
 *     { time: "2024-05-01T10:01:00Z", invocations: 3300, modelLatencyP95Ms: 30 },
 *   ],
 *   maxValue: 3300, upperLimit: 1815, lowerLimit: 1485, upperPercent: 55, lowerPercent: 45,
 *   crossings: [{ limit: "upper", time: "2024-05-01T10:00:30Z" }],
 * });
 * assert.equal(spec.$schema, "https://vega.github.io/schema/vega-lite/v5.json");
 * assert.equal("vconcat" in spec && spec.vconcat.length, 2);
 * ```
 */
export function analysisInvocationsChart(
  input: AnalysisChartInput,
  options: AnalysisChartOptions = {},
): TopLevelSpec {
  validateAnalysis(input);
  const { width = 640, height = 300 } = options;
  const legend = legendOf([{ name: INVOCATIONS_SERIES, color: COLORS.blue }, ...LATENCY_SERIES]);
  const invocationAxis: LayerSpec<Field> = {
    width,
    height,
    layer: [
      invocationsLine(input, { legend }),
      ...limitRules(input),
      ...crossingRules(input),
    ],
  };
  const latency = latencyLines(input, legend);
  const title = {
    text: input.title ?? "Invocations per minute and model latency",
    subtitle: limitsSubtitle(input),
  };
  if (latency === undefined) return { $schema: VEGA_LITE_SCHEMA, title, ...invocationAxis };
  // Latency on a panel of its own under the same time axis: the limit lines and their labels
  // stay on the invocations axis, clear of a second y axis.
  return {
    $schema: VEGA_LITE_SCHEMA,
    title,
    vconcat: [invocationAxis, {
      width,
      height: Math.round(height * 0.5),
      layer: [latency, ...crossingRules(input)],
    }],
    resolve: { scale: { x: "shared" } },
    spacing: 12,
  };
}

/**
 * Utilization — CPU summed over vCPUs, memory, disk — above a panel of invocations per minute
 * with the limit rules on its own axis, and the crossings as labelled vertical rules on both.
 *
 * @param input The analysis.
 * @param options Plot size.
 * @returns A Vega-Lite v5 spec (two panels sharing the time axis).
 * @throws {RangeError} When the series is empty, has no utilization at all, or a number or time
 * is not valid.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analysisUtilizationChart } from "./analysis.ts";
 *
 * const spec = analysisUtilizationChart({
 *   series: [{ time: "2024-05-01T10:00:00Z", invocations: 1200, cpuUtilization: 95 }],
 *   maxValue: 1200, upperLimit: 660, lowerLimit: 540, upperPercent: 55, lowerPercent: 45,
 *   crossings: [],
 * });
 * assert.equal(spec.$schema, "https://vega.github.io/schema/vega-lite/v5.json");
 * ```
 */
export function analysisUtilizationChart(
  input: AnalysisChartInput,
  options: AnalysisChartOptions = {},
): TopLevelSpec {
  validateAnalysis(input);
  const { width = 640, height = 300 } = options;
  const legend = legendOf([...UTILIZATION_SERIES, {
    name: INVOCATIONS_SERIES,
    color: COLORS.grey,
  }]);
  const utilization = utilizationLines(input, legend);
  if (utilization === undefined) {
    throw new RangeError(
      "Cannot chart utilization: no point of the series has cpuUtilization, memoryUtilization or diskUtilization: read the /aws/sagemaker/Endpoints metrics first",
    );
  }
  // Two panels on one time axis: the limits are invocations per minute, so they sit on the
  // invocations panel's own axis, never across the utilization axis.
  const invocations = invocationsLine(input, { color: COLORS.grey, legend });
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: input.title ?? "Utilization: CPU (summed over vCPUs), memory and disk",
      subtitle: limitsSubtitle(input),
    },
    vconcat: [
      { width, height, layer: [utilization, ...crossingRules(input)] },
      {
        width,
        height: Math.round(height * 0.5),
        layer: [
          { ...invocations, mark: { type: "line", strokeWidth: 1.5, point: true } },
          ...limitRules(input),
          ...crossingRules(input),
        ],
      },
    ],
    resolve: { scale: { x: "shared" } },
    spacing: 12,
  };
}

/** Domain and colours of the one colour legend a chart's layers share. */
export interface SeriesLegend {
  /** Series names, in legend order. */
  domain: string[];
  /** Their colours. */
  range: string[];
}

function legendOf(series: readonly { name: string; color: string }[]): SeriesLegend {
  return { domain: series.map((s) => s.name), range: series.map((s) => s.color) };
}

function seriesColor(legend: SeriesLegend) {
  return {
    field: "series",
    type: "nominal",
    scale: { domain: legend.domain, range: legend.range },
    legend: { title: null, orient: "bottom", labelLimit: 0 },
  } as const;
}

/** Lines of some of a point's measures, one per column, in long format on one y axis. */
function seriesLines(
  series: AnalysisPoint[],
  columns: readonly { key: keyof AnalysisPoint; name: string }[],
  legend: SeriesLegend,
  y: { field: string; title: string; axis?: { orient: "right"; titleColor: string } },
): UnitSpec<Field> | undefined {
  const values = longFormat(series, columns, y.field);
  if (values.length === 0) return undefined;
  return {
    data: { values },
    mark: { type: "line", strokeWidth: 1.5 },
    encoding: {
      x: utcTimeX(),
      y: { field: y.field, type: "quantitative", title: y.title, ...(y.axis && { axis: y.axis }) },
      color: seriesColor(legend),
      tooltip: [
        utcTimeTooltip(),
        { field: "series", type: "nominal", title: "Series" },
        { field: y.field, type: "quantitative", title: y.title, format: ",.1f" },
      ],
    },
  };
}

function longFormat<K extends keyof AnalysisPoint, V extends string>(
  series: AnalysisPoint[],
  columns: readonly { key: K; name: string }[],
  valueField: V,
): ({ time: string; series: string } & Record<V, number>)[] {
  return series.flatMap((point) =>
    columns.flatMap(({ key, name }) => {
      const value = point[key];
      if (typeof value !== "number") return [];
      return [
        { time: point.time, series: name, [valueField]: value } as
          & { time: string; series: string }
          & Record<V, number>,
      ];
    })
  );
}

function limitsSubtitle(input: AnalysisChartInput): string {
  return `Max ${formatCount(input.maxValue)} invocations per minute; limits at ${
    formatPercent(input.lowerPercent)
  } and ${formatPercent(input.upperPercent)}: ${formatCount(input.lowerLimit)} and ${
    formatCount(input.upperLimit)
  } per minute`;
}

function validateAnalysis(input: AnalysisChartInput): void {
  const check = inputChecks("the analysis");
  check.nonEmpty("series", input.series);
  input.series.forEach((point, i) => {
    check.time(`series[${i}].time`, point.time);
    check.finite(`series[${i}].invocations`, point.invocations);
    for (
      const key of [
        "modelLatencyP50Ms",
        "modelLatencyP95Ms",
        "cpuUtilization",
        "memoryUtilization",
        "diskUtilization",
      ] as const
    ) {
      check.optionalFinite(`series[${i}].${key}`, point[key]);
    }
  });
  for (
    const key of ["maxValue", "upperLimit", "lowerLimit", "upperPercent", "lowerPercent"] as const
  ) {
    check.finite(key, input[key]);
  }
  input.crossings.forEach((crossing, i) => {
    check.time(`crossings[${i}].time`, crossing.time);
    if (crossing.limit !== "upper" && crossing.limit !== "lower") {
      throw new RangeError(
        `Cannot chart the analysis: crossings[${i}].limit is "${
          String(crossing.limit)
        }": use "upper" or "lower"`,
      );
    }
  });
}
