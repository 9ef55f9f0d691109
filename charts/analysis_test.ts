// Proves the analysis charts: valid Vega-Lite v5 (schema and a clean compile), a real dual axis,
// limit rules at the limits with their labels, crossing rules at the crossing times, and clear
// errors for bad input.
import assert from "node:assert/strict";
import {
  type AnalysisChartInput,
  analysisInvocationsChart,
  analysisUtilizationChart,
  crossingRules,
  INVOCATIONS_TITLE,
  LATENCY_TITLE,
  limitRules,
  UTILIZATION_TITLE,
} from "./analysis.ts";
import { toSvg } from "./render.ts";
import { assertValidChart, markItemCount, svgTexts } from "./_testing.ts";

const START = Date.parse("2024-05-01T10:00:00Z");

function analysis(overrides: Partial<AnalysisChartInput> = {}): AnalysisChartInput {
  const series = Array.from({ length: 8 }, (_, i) => ({
    time: new Date(START + i * 60_000).toISOString(),
    invocations: Math.min(3300, 600 * (i + 1)),
    modelLatencyP50Ms: 3 + i,
    modelLatencyP95Ms: 5 + i * i,
    cpuUtilization: Math.min(190, 30 * (i + 1)),
    memoryUtilization: 12 + i / 5,
    diskUtilization: 4,
  }));
  return {
    series,
    maxValue: 3300,
    upperLimit: 1815,
    lowerLimit: 1485,
    upperPercent: 55,
    lowerPercent: 45,
    crossings: [
      { limit: "lower", time: "2024-05-01T10:01:28Z" },
      { limit: "upper", time: "2024-05-01T10:02:01Z" },
    ],
    ...overrides,
  };
}

type Layered = {
  layer: Layered[];
  data?: { values: Record<string, unknown>[] };
  mark?: unknown;
  encoding?: { y?: { datum?: number; axis?: { orient?: string } } };
};

/** Every unit spec in a layer tree, depth first. */
function units(spec: Layered): Layered[] {
  return spec.layer === undefined ? [spec] : spec.layer.flatMap(units);
}

Deno.test("analysisInvocationsChart() is valid Vega-Lite v5 with latency on a panel of its own", () => {
  const spec = analysisInvocationsChart(analysis());
  assertValidChart(spec);
  const [top, bottom] = (spec as unknown as { vconcat: Layered[] }).vconcat;
  assert.equal((units(bottom!)[0]!.encoding?.y as { title?: string }).title, LATENCY_TITLE);
  // The limit rules sit with the invocations, so they share that y scale and only it.
  const datums = (panel: Layered) =>
    units(panel).flatMap((u) => u.encoding?.y?.datum === undefined ? [] : [u.encoding.y.datum]);
  assert.deepEqual([...new Set(datums(top!))], [1815, 1485]);
  assert.deepEqual(datums(bottom!), []);
});

Deno.test("analysisInvocationsChart() renders axis titles, limit labels and UTC times", async () => {
  const svg = await toSvg(analysisInvocationsChart(analysis()), { onWarning: assert.fail });
  const texts = svgTexts(svg);
  for (
    const expected of [
      INVOCATIONS_TITLE,
      LATENCY_TITLE,
      "Time (UTC)",
      "Upper 55 % of 3,300: 1,815",
      "Lower 45 % of 3,300: 1,485",
      "upper crossed",
      "Invocations per minute and model latency",
      "Model latency p50",
      "Model latency p95",
      "10:00",
      "10:07",
    ]
  ) {
    assert.ok(texts.includes(expected), `missing "${expected}" in ${texts.join(" | ")}`);
  }
});

Deno.test("a short run's time axis labels each minute once, in order", async () => {
  // Over 7 minutes Vega ticks every 30 s; the half-minute ticks must stay unlabelled.
  const texts = svgTexts(await toSvg(analysisInvocationsChart(analysis())));
  const times = texts.filter((t) => /^\d\d:\d\d$/.test(t));
  const minutes = ["10:00", "10:01", "10:02", "10:03", "10:04", "10:05", "10:06", "10:07"];
  assert.deepEqual(times, [...minutes, ...minutes], "once on each of the two panels");
});

Deno.test("analysisInvocationsChart() draws one vertical rule per crossing", async () => {
  const input = analysis({
    crossings: [
      { limit: "lower", time: "2024-05-01T10:01:28Z" },
      { limit: "upper", time: "2024-05-01T10:02:01Z" },
      { limit: "upper", time: "2024-05-01T10:06:30Z" },
    ],
  });
  // Each crossing group is a rule layered with its labels.
  const rules = (crossingRules(input) as unknown as { layer: Layered[] }[]).map((r) => r.layer[0]!);
  assert.deepEqual(
    rules.map((r) => r.data!.values.map((v) => v.time)),
    [["2024-05-01T10:02:01Z", "2024-05-01T10:06:30Z"], ["2024-05-01T10:01:28Z"]],
  );
  assert.deepEqual(rules.map((r) => (r.mark as { color: string }).color), ["#e45756", "#54a24b"]);
  const svg = await toSvg(analysisInvocationsChart(input));
  // 3 crossing rules on each of the two panels + 2 limit rules.
  assert.equal(markItemCount(svg, "rule"), 3 * 2 + 2);
});

Deno.test("analysisInvocationsChart() without latency is a single-axis chart", async () => {
  const input = analysis();
  const series = input.series.map(({ time, invocations }) => ({ time, invocations }));
  const spec = analysisInvocationsChart({ ...input, series, crossings: [] });
  assertValidChart(spec);
  assert.equal((spec as { resolve?: unknown }).resolve, undefined);
  const texts = svgTexts(await toSvg(spec));
  assert.ok(!texts.includes(LATENCY_TITLE));
  assert.ok(texts.includes(INVOCATIONS_TITLE));
});

Deno.test("analysisInvocationsChart() uses the title given", async () => {
  const spec = analysisInvocationsChart(analysis({ title: "ml.c5.large, Default job" }));
  assert.ok(svgTexts(await toSvg(spec)).includes("ml.c5.large, Default job"));
});

Deno.test("analysisUtilizationChart() puts invocations and the limits on a panel of their own", async () => {
  const spec = analysisUtilizationChart(analysis());
  assertValidChart(spec);
  const [top, bottom] = (spec as unknown as { vconcat: Layered[] }).vconcat;
  const datums = (panel: Layered) =>
    units(panel).flatMap((u) => u.encoding?.y?.datum === undefined ? [] : [u.encoding.y.datum]);
  assert.deepEqual(datums(top!), [], "no limit line across the utilization axis");
  assert.deepEqual([...new Set(datums(bottom!))], [1815, 1485]);
  const texts = svgTexts(await toSvg(spec, { onWarning: assert.fail }));
  for (
    const expected of [
      UTILIZATION_TITLE,
      INVOCATIONS_TITLE,
      "CPU (summed over vCPUs)",
      "Memory",
      "Disk",
      "Upper 55 % of 3,300: 1,815",
      "Lower 45 % of 3,300: 1,485",
      "Utilization: CPU (summed over vCPUs), memory and disk",
    ]
  ) {
    assert.ok(texts.includes(expected), `missing "${expected}" in ${texts.join(" | ")}`);
  }
  // CPU summed over vCPUs goes past 100 %: the axis must not be clipped at 100.
  assert.ok(texts.includes("180"));
});

Deno.test("analysisUtilizationChart() keeps only the utilization metrics present", () => {
  const input = analysis();
  const series = input.series.map(({ time, invocations, cpuUtilization }) => ({
    time,
    invocations,
    cpuUtilization,
  }));
  const spec = analysisUtilizationChart({ ...input, series });
  assertValidChart(spec);
  const lines = units((spec as unknown as { vconcat: Layered[] }).vconcat[0]!)[0]!;
  assert.deepEqual(
    [...new Set(lines.data!.values.map((v) => v.series))],
    ["CPU (summed over vCPUs)"],
  );
});

Deno.test("analysisUtilizationChart() without utilization says which metrics to read", () => {
  const input = analysis();
  const series = input.series.map(({ time, invocations }) => ({ time, invocations }));
  assert.throws(() => analysisUtilizationChart({ ...input, series }), {
    name: "RangeError",
    message: /no point of the series has cpuUtilization.*read the \/aws\/sagemaker\/Endpoints/,
  });
});

Deno.test("limitRules() labels the limits with their percentages and values", () => {
  const [upper, lower] = limitRules({
    maxValue: 1000,
    upperLimit: 475,
    lowerLimit: 400,
    upperPercent: 47.5,
    lowerPercent: 40,
  });
  assert.deepEqual(upper!.layer[1]!.encoding?.text, {
    value: "Upper 47.5 % of 1,000: 475",
  });
  assert.deepEqual(lower!.layer[0]!.encoding?.y, { datum: 400, type: "quantitative" });
});

Deno.test("analysis charts reject bad input with the field named", () => {
  const input = analysis();
  assert.throws(() => analysisInvocationsChart({ ...input, series: [] }), {
    name: "RangeError",
    message: "Cannot chart the analysis: series is empty: pass at least one point",
  });
  const nan = input.series.map((p, i) => i === 1 ? { ...p, invocations: NaN } : p);
  assert.throws(() => analysisInvocationsChart({ ...input, series: nan }), {
    name: "RangeError",
    message: 'Cannot chart the analysis: series[1].invocations is "NaN": pass a finite number',
  });
  const badTime = input.series.map((p, i) => i === 2 ? { ...p, time: "10:02" } : p);
  assert.throws(() => analysisUtilizationChart({ ...input, series: badTime }), {
    message: 'Cannot chart the analysis: series[2].time is "10:02": pass an ISO 8601 time',
  });
  assert.throws(() => analysisInvocationsChart({ ...input, upperLimit: Infinity }), {
    message: 'Cannot chart the analysis: upperLimit is "Infinity": pass a finite number',
  });
  const crossings = [{
    limit: "middle",
    time: "2024-05-01T10:00:00Z",
  }] as unknown as AnalysisChartInput["crossings"];
  assert.throws(() => analysisInvocationsChart({ ...input, crossings }), {
    message: 'Cannot chart the analysis: crossings[0].limit is "middle": use "upper" or "lower"',
  });
});
