/**
 * The walkthrough's charts from step results: inline in the Deno Jupyter kernel, and as SVG files
 * (with their `.vl.json` specs) when a folder is given — the scripts' `--out DIR`.
 *
 * @module
 */
import { join } from "node:path";
import {
  analysisInvocationsChart,
  analysisUtilizationChart,
  type ChartSpec,
  evaluationChart,
  type EvaluationChartInput,
  evaluationComparisonChart,
  observeChart,
  observeSummary,
  showChart,
} from "../charts/mod.ts";
import { verdictMargin, verdictText } from "./verdict.ts";
import type { AnalyzeResult, EvaluateResult, ObserveResult, PlanResult } from "./types.ts";

/** Where charts go. */
export interface ChartOutOptions {
  /** Folder for SVG files; when absent, charts are only displayed (kernel only). */
  outDir?: string;
}

/** A chart with its file name and caption. */
export interface NamedChart {
  file: string;
  caption: string;
  spec: ChartSpec;
}

/**
 * The two analysis charts: invocations with latency, and utilization, both with the limits.
 *
 * @example Usage
 * ```ts
 * import { analysisCharts } from "./charts_out.ts";
 * import assert from "node:assert/strict";
 * const t = (m: number) => new Date(Date.UTC(2026, 0, 1, 0, m)).toISOString();
 * const charts = analysisCharts({
 *   maxValue: 300, upperLimit: 165, lowerLimit: 135, upperPercent: 55, lowerPercent: 45,
 *   crossings: [], window: { start: t(0), end: t(3), source: "invocation-window" },
 *   series: [100, 200, 300].map((invocations, m) => ({ time: t(m), invocations, cpuUtilization: 30 * (m + 1) })),
 * });
 * assert.deepEqual(charts.map((c) => c.file), ["analysis-invocations.svg", "analysis-utilization.svg"]);
 * ```
 */
export function analysisCharts(analysis: AnalyzeResult): NamedChart[] {
  const charts: NamedChart[] = [{
    file: "analysis-invocations.svg",
    caption: `Benchmark of one instance: peak ${Math.round(analysis.maxValue)} invocations/min, ` +
      `limits ${Math.round(analysis.lowerLimit)} (${analysis.lowerPercent} %) and ${
        Math.round(analysis.upperLimit)
      } (${analysis.upperPercent} %)`,
    spec: analysisInvocationsChart(analysis),
  }];
  if (
    analysis.series.some((p) => p.cpuUtilization !== undefined || p.memoryUtilization !== undefined)
  ) {
    charts.push({
      file: "analysis-utilization.svg",
      caption:
        "Utilization of one instance during the benchmark (CPU summed over vCPUs, memory, disk)",
      spec: analysisUtilizationChart(analysis),
    });
  }
  return charts;
}

/** What the evaluation charts take from the plan: the capacity band and the price. */
export type EvaluationChartsOptions = Partial<
  Pick<PlanResult, "minCapacity" | "maxCapacity" | "pricePerHour">
>;

/** The chart input of one evaluation (with the plan's capacity band and price when given). */
export function evaluationInput(
  e: EvaluateResult,
  plan: EvaluationChartsOptions = {},
): EvaluationChartInput {
  return {
    label: e.policyLabel,
    spawnRate: e.spawnRate,
    expectation: e.expectation,
    series: e.series,
    activities: e.activities,
    passed: e.passed,
    minCapacity: plan.minCapacity,
    maxCapacity: plan.maxCapacity,
    pricePerHour: plan.pricePerHour,
    windowMinutes: e.rampSeconds === undefined ? undefined : e.rampSeconds / 60,
  };
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

/**
 * One chart per evaluation, plus the comparison when there are several; given the plan, each
 * draws the MinCapacity–MaxCapacity band and what it cost in dollars.
 */
export function evaluationCharts(
  evaluations: readonly EvaluateResult[],
  plan: EvaluationChartsOptions = {},
): NamedChart[] {
  // Named by policy and spawn rate, not by position, so that the notebook (one evaluation at a
  // time) and the walkthrough (all three at once) write the same files.
  const charts: NamedChart[] = evaluations.map((e) => ({
    file: `evaluation-${slug(e.policyLabel)}-spawn-${e.spawnRate}.svg`,
    caption: `${e.policyLabel} at ${e.spawnRate} users/min ${verdictText(e)} (${
      e.reasons.join("; ")
    })`,
    spec: evaluationChart(evaluationInput(e, plan)),
  }));
  if (evaluations.length > 1) {
    charts.push({
      file: "evaluations-compared.svg",
      caption: `Evaluations compared: ${
        evaluations.map((e) =>
          `${e.policyLabel} @ ${e.spawnRate}/min ${e.passed ? "passed" : "failed"} (${
            verdictMargin(e) >= 0 ? "+" : ""
          }${verdictMargin(e)} %)`
        ).join(", ")
      }`,
      spec: evaluationComparisonChart(evaluations.map((e) => evaluationInput(e, plan))),
    });
  }
  return charts;
}

/** Shows charts (inline in the kernel) and writes them when `outDir` is given; returns the files written. */
export async function showCharts(
  charts: readonly NamedChart[],
  options: ChartOutOptions = {},
): Promise<string[]> {
  const written: string[] = [];
  for (const chart of charts) {
    const path = await showChart(chart.spec, {
      caption: chart.caption,
      outFile: options.outDir === undefined ? undefined : join(options.outDir, chart.file),
    });
    if (path !== undefined) written.push(path);
  }
  return written;
}

/** Writes (and in the kernel shows) the analysis charts. */
export function writeAnalysisCharts(analysis: AnalyzeResult, outDir?: string): Promise<string[]> {
  return showCharts(analysisCharts(analysis), { outDir });
}

/** Writes (and in the kernel shows) the evaluation charts. */
export function writeEvaluationCharts(
  evaluations: readonly EvaluateResult[],
  options: ChartOutOptions & { plan?: EvaluationChartsOptions } = {},
): Promise<string[]> {
  return showCharts(evaluationCharts(evaluations, options.plan), { outDir: options.outDir });
}

/**
 * One chart per observation window (the walkthrough's scale-in tails are named after the
 * evaluation before them with `names`).
 *
 * @example Usage
 * ```ts
 * import { observeCharts } from "./charts_out.ts";
 * import assert from "node:assert/strict";
 * const p = { time: "2026-01-01T00:00:00.000Z", instancesInService: 2, desiredInstances: 2 };
 * const charts = observeCharts([{ endpointName: "ep", variantName: "AllTraffic", minutes: 1,
 *   start: p.time, end: p.time, series: [p], alarms: [], activities: [], instanceMinutes: 2 }]);
 * assert.deepEqual(charts.map((c) => c.file), ["observe-ep.svg"]);
 * ```
 */
export function observeCharts(
  observations: readonly ObserveResult[],
  options: { names?: readonly string[] } = {},
): NamedChart[] {
  return observations.map((o, i) => ({
    file: `observe-${slug(options.names?.[i] ?? o.endpointName)}.svg`,
    caption: `${o.endpointName}/${o.variantName}, ${observeSummary(o)}`,
    spec: observeChart(o),
  }));
}

/** Writes (and in the kernel shows) the charts of observation windows. */
export function writeObserveCharts(
  observations: readonly ObserveResult[],
  outDir?: string,
  options: { names?: readonly string[] } = {},
): Promise<string[]> {
  return showCharts(observeCharts(observations, options), { outDir });
}
