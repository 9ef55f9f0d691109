// Proves that every chart the builders make explains itself — a title, axis titles with units,
// a legend or label for every mark that encodes data — in each of its variants (with and without
// latency, errors, the capacity band, the price), and that the check catches a chart that lacks
// any of them.
import assert from "node:assert/strict";
import type { TopLevelSpec } from "vega-lite";
import { chartRuleViolations } from "./_chart_rules.ts";
import { analysisInvocationsChart, analysisUtilizationChart } from "./analysis.ts";
import {
  evaluationChart,
  type EvaluationChartInput,
  evaluationComparisonChart,
} from "./evaluation.ts";
import { observeChart, type ObserveChartInput } from "./observe.ts";
import { assertValidChart } from "./_testing.ts";
import { sweepParetoChart, sweepTimelineChart } from "./sweep.ts";

const minute = (m: number) => new Date(Date.UTC(2024, 4, 1, 10, m)).toISOString();

function analysis() {
  return {
    series: [0, 1, 2, 3, 4].map((m) => ({
      time: minute(m),
      invocations: 1000 * (m + 1),
      modelLatencyP50Ms: 2 + m,
      modelLatencyP95Ms: 5 + m,
      cpuUtilization: 30 * (m + 1),
      memoryUtilization: 12,
      diskUtilization: 9,
    })),
    maxValue: 5000,
    upperLimit: 2750,
    lowerLimit: 2250,
    upperPercent: 55,
    lowerPercent: 45,
    crossings: [
      { limit: "lower" as const, time: minute(1) },
      { limit: "upper" as const, time: minute(2) },
    ],
  };
}

function evaluation(overrides: Partial<EvaluationChartInput> = {}): EvaluationChartInput {
  return {
    label: "target tracking",
    spawnRate: 1,
    expectation: 9000,
    passed: true,
    series: [0, 1, 2, 3, 4, 5].map((m) => ({
      time: minute(m),
      invocations: 2000 * (m + 1),
      instancesInService: m < 3 ? 2 : 4,
      desiredInstances: m < 2 ? 2 : 4,
      p95Ms: 10 + m,
      errors: m === 4 ? 3 : 0,
    })),
    activities: [
      {
        time: minute(2),
        description: "Setting desired instance count to 4.",
        status: "Successful",
      },
      {
        time: minute(5),
        description: "Failed to set desired instance count to 6.",
        status: "Failed",
      },
    ],
    ...overrides,
  };
}

const plan = { minCapacity: 2, maxCapacity: 8, pricePerHour: 0.102 };

function observation(overrides: Partial<ObserveChartInput> = {}): ObserveChartInput {
  return {
    endpointName: "ep",
    series: [0, 1, 2, 3].map((m) => ({
      time: minute(m),
      invocations: m < 2 ? 100 : 0,
      instancesInService: m < 3 ? 4 : 2,
      desiredInstances: m < 2 ? 4 : 2,
    })),
    alarms: [
      { name: "high", states: [{ time: minute(0), state: "OK" }] },
      {
        name: "low",
        states: [{ time: minute(0), state: "INSUFFICIENT_DATA" }, {
          time: minute(2),
          state: "ALARM",
        }],
      },
    ],
    activities: [{
      time: minute(2),
      description: "Setting desired instance count to 2.",
      status: "Successful",
    }],
    ...overrides,
  };
}

/** Every chart the builders make, in each variant, by name. */
function everyChart(): [string, TopLevelSpec][] {
  const a = analysis();
  const noLatency = a.series.map(({ time, invocations, cpuUtilization }) => ({
    time,
    invocations,
    cpuUtilization,
  }));
  const noErrors = evaluation().series.map((p) => ({ ...p, errors: 0, p95Ms: undefined }));
  return [
    ["analysis invocations with latency", analysisInvocationsChart(a)],
    ["analysis invocations without latency", analysisInvocationsChart({ ...a, series: noLatency })],
    ["analysis utilization", analysisUtilizationChart(a)],
    [
      "analysis utilization, CPU only, no crossings",
      analysisUtilizationChart({
        ...a,
        series: noLatency,
        crossings: [],
      }),
    ],
    ["evaluation, bare", evaluationChart(evaluation({ series: noErrors, activities: [] }))],
    ["evaluation with errors, band and price", evaluationChart(evaluation(plan))],
    [
      "evaluation over a 30-minute window",
      evaluationChart(evaluation({ ...plan, windowMinutes: 30 })),
    ],
    ["comparison", evaluationComparisonChart([evaluation(), evaluation({ spawnRate: 3 })])],
    [
      "comparison with price",
      evaluationComparisonChart([
        evaluation(plan),
        evaluation({
          ...plan,
          label: "step scaling",
          spawnRate: 3,
          passed: false,
          windowMinutes: 30,
        }),
      ]),
    ],
    ["observation, bare", observeChart(observation({ alarms: [], activities: [] }))],
    ["observation with band, alarms and price", observeChart(observation(plan))],
    [
      "observation without invocations",
      observeChart(observation({
        series: observation().series.map(({ invocations: _, ...p }) => p),
      })),
    ],
    ["sweep Pareto scatter", sweepParetoChart(sweepPoints())],
    ["sweep timeline, chosen vs baseline", sweepTimelineChart(sweepTimeline())],
  ];
}

function sweepPoints() {
  return {
    pattern: "spike",
    points: [
      { label: "tt 30%", cost: 3, availability: 1, onFront: true, chosen: false },
      { label: "tt 50%", cost: 2, availability: 0.9995, onFront: true, chosen: true, rule: 50 },
      { label: "tt 70%", cost: 1.5, availability: 0.97, onFront: false, chosen: false, rule: 70 },
      { label: "step", cost: 1, availability: 0.95, onFront: true, chosen: false },
    ],
  };
}

function sweepTimeline() {
  const minutes = (capacity: (m: number) => number) =>
    [0, 1, 2, 3].map((m) => ({
      time: minute(m),
      demand: 600 * (m + 1),
      capacity: capacity(m),
      p99Ms: 40 + m,
      min: 1,
      max: 4,
    }));
  return {
    pattern: "spike",
    chosen: { label: "tt 50%", minutes: minutes((m) => 1 + m) },
    baseline: { label: "tt 70%", minutes: minutes(() => 1) },
  };
}

Deno.test("every chart has a title, axis titles with units and a legend or label for each mark", () => {
  const charts = everyChart();
  assert.equal(charts.length, 14);
  for (const [name, spec] of charts) {
    assertValidChart(spec);
    assert.deepEqual(chartRuleViolations(spec), [], name);
  }
});

Deno.test("chartRuleViolations() names a missing unit, an unlabelled rule and two series without a legend", () => {
  const time = { field: "time", type: "temporal", title: "Time (UTC)" };
  const spec = {
    title: "t",
    layer: [
      { data: { values: [] }, mark: "line", encoding: { x: time, y: { field: "a", title: "A" } } },
      {
        data: { values: [] },
        mark: "line",
        encoding: { x: time, y: { field: "b", title: "B (ms)" } },
      },
      { data: { values: [{}] }, mark: "rule", encoding: { y: { datum: 5 } } },
      { data: { values: [{ time: minute(0) }] }, mark: "rule", encoding: { x: time } },
    ],
  };
  assert.deepEqual(chartRuleViolations(spec as never), [
    'panel 1, line: axis title "A" names no unit',
    'panel 1, line: series "a" shares its panel with no legend',
    'panel 1, line: series "b" shares its panel with no legend',
    "panel 1, rule: the rule at 5 has no label",
    'panel 1, rule: marks at "time" times have no label',
  ]);
});
