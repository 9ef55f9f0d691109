/**
 * Charts of the walkthrough as Vega-Lite v5 specs — pure functions from step results — and the
 * helpers that render them headless and show them: inline in the Deno Jupyter kernel (one MIME
 * bundle: the interactive spec, an SVG fallback and a caption), or as SVG files from scripts.
 *
 * @example Chart an analysis and write it as SVG
 * ```ts
 * import assert from "node:assert/strict";
 * import { analysisInvocationsChart, showChart } from "./mod.ts";
 *
 * const spec = analysisInvocationsChart({
 *   series: [
 *     { time: "2024-05-01T10:00:00Z", invocations: 1200, modelLatencyP95Ms: 8 },
 *     { time: "2024-05-01T10:01:00Z", invocations: 2400, modelLatencyP95Ms: 11 },
 *     { time: "2024-05-01T10:02:00Z", invocations: 3300, modelLatencyP95Ms: 30 },
 *   ],
 *   maxValue: 3300, upperLimit: 1815, lowerLimit: 1485, upperPercent: 55, lowerPercent: 45,
 *   crossings: [{ limit: "lower", time: "2024-05-01T10:00:14Z" }, { limit: "upper", time: "2024-05-01T10:00:31Z" }],
 * });
 * const dir = await Deno.makeTempDir();
 * const path = await showChart(spec, { caption: "Invocations", outFile: `${dir}/analysis.svg`, jupyter: null });
 * assert.match(await Deno.readTextFile(path!), /Upper 55 %/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
export {
  type AnalysisChartInput,
  type AnalysisChartOptions,
  type AnalysisCrossing,
  analysisInvocationsChart,
  type AnalysisPoint,
  analysisUtilizationChart,
  crossingRules,
  INVOCATIONS_SERIES,
  INVOCATIONS_TITLE,
  invocationsLine,
  type InvocationsLineOptions,
  LATENCY_TITLE,
  latencyLines,
  limitRules,
  type SeriesLegend,
  UTILIZATION_TITLE,
  utilizationLines,
} from "./analysis.ts";
export {
  activityRules,
  ERRORS_TITLE,
  errorsPanel,
  EVALUATION_INVOCATIONS_TITLE,
  type EvaluationActivity,
  evaluationChart,
  type EvaluationChartInput,
  type EvaluationChartOptions,
  evaluationComparisonChart,
  type EvaluationPoint,
  expectationRule,
  INSTANCES_TITLE,
  instancesPanel,
  invocationsPanel,
  latencyPanel,
  MINUTES_TITLE,
  P95_TITLE,
} from "./evaluation.ts";
export {
  ALARM_STATE_TITLE,
  ALARMS_TITLE,
  alarmStatesPanel,
  type ObserveAlarm,
  observeChart,
  type ObserveChartInput,
  type ObserveChartOptions,
  type ObservePoint,
  observeSummary,
  windowCost,
} from "./observe.ts";
export {
  type ChartBundle,
  chartBundle,
  type ChartSpec,
  compileChart,
  type CompiledChart,
  type JupyterDisplay,
  showChart,
  type ShowChartOptions,
  specPathFor,
  toSvg,
  type ToSvgOptions,
  VEGA_LITE_MIME,
  VEGA_LITE_SCHEMA,
} from "./render.ts";
export {
  type TimeRuleDatum,
  timeRules,
  type TimeRulesOptions,
  valueRule,
  type ValueRuleOptions,
} from "./rules.ts";
export type { ChartLayer } from "./_style.ts";
