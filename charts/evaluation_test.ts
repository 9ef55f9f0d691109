// Proves the evaluation charts: valid Vega-Lite v5, invocations against the expectation line,
// instance counts as step lines, activities as rules (failed ones red), errors only when there are
// any, and a comparison with one colour per evaluation on minutes since each start.
import assert from "node:assert/strict";
import {
  activityRules,
  ERRORS_TITLE,
  EVALUATION_INVOCATIONS_TITLE,
  evaluationChart,
  type EvaluationChartInput,
  evaluationComparisonChart,
  INSTANCES_TITLE,
  instancesPanel,
  MINUTES_TITLE,
  P95_TITLE,
} from "./evaluation.ts";
import { toSvg } from "./render.ts";
import { assertValidChart, markItemCount, svgTexts } from "./_testing.ts";

const START = Date.parse("2024-05-01T10:00:00Z");

function minute(i: number, seconds = 0): string {
  return new Date(START + i * 60_000 + seconds * 1000).toISOString();
}

function evaluation(overrides: Partial<EvaluationChartInput> = {}): EvaluationChartInput {
  const series = Array.from({ length: 12 }, (_, i) => {
    const inService = Math.min(4, 1 + Math.floor(i / 3));
    return {
      time: minute(i),
      invocations: Math.min(inService * 3300, 1500 * (i + 1)),
      instancesInService: inService,
      desiredInstances: Math.min(4, inService + 1),
      p95Ms: 20 + (i % 3) * 5,
      errors: 0,
    };
  });
  return {
    label: "target tracking 3300",
    spawnRate: 1,
    expectation: 12_000,
    series,
    activities: [
      {
        time: minute(2, 15),
        description: "Setting desired instance count to 2.",
        status: "Successful",
      },
      {
        time: minute(5, 15),
        description: "Setting desired instance count to 3.",
        status: "Successful",
      },
      {
        time: minute(8, 15),
        description: "Failed to set desired instance count to 4.",
        status: "Failed",
      },
    ],
    passed: true,
    ...overrides,
  };
}

type Spec = {
  vconcat: {
    layer?: Spec["vconcat"];
    data?: { values: Record<string, unknown>[] };
    mark?: unknown;
    encoding?: { color?: { scale?: { domain?: string[] } } };
  }[];
  data?: { values: Record<string, unknown>[] };
};

Deno.test("evaluationChart() is valid Vega-Lite v5 with four panels on a shared time axis", () => {
  const spec = evaluationChart(evaluation());
  assertValidChart(spec);
  const { vconcat, resolve } = spec as unknown as Spec & { resolve: unknown };
  assert.equal(vconcat.length, 4, "invocations, users, instances, latency");
  assert.deepEqual(resolve, { scale: { x: "shared", color: "independent" } });
});

Deno.test("evaluationChart() renders the expectation, the panels' titles and the verdict", async () => {
  const texts = svgTexts(await toSvg(evaluationChart(evaluation()), { onWarning: assert.fail }));
  for (
    const expected of [
      "target tracking 3300, spawn rate 1 user per minute: passed, +10 %",
      "Expectation 12,000",
      "→ 2",
      "→ 3",
      "Load (users)",
      EVALUATION_INVOCATIONS_TITLE,
      INSTANCES_TITLE,
      P95_TITLE,
      "Instances InService",
      "Desired instances",
      "Time (UTC)",
    ]
  ) {
    assert.ok(texts.includes(expected), `missing "${expected}" in ${texts.join(" | ")}`);
  }
  assert.ok(!texts.includes(ERRORS_TITLE));
  const failed = evaluationChart(evaluation({ passed: false, spawnRate: 4 }));
  assert.ok(
    svgTexts(await toSvg(failed)).includes(
      "target tracking 3300, spawn rate 4 users per minute: failed, +10 %",
    ),
  );
});

Deno.test("evaluationChart() draws every activity as a rule in every panel", async () => {
  const svg = await toSvg(evaluationChart(evaluation()));
  // 3 activities x 4 panels, plus the expectation rule.
  assert.equal(markItemCount(svg, "rule"), 3 * 4 + 1);
});

Deno.test("activityRules() puts failed activities apart, in red, with their tooltip", () => {
  // Each group is a rule layered with its labels (the new capacity).
  const rules = (activityRules(evaluation().activities) as unknown as {
    layer: {
      data: { values: Record<string, unknown>[] };
      mark: { color: string };
      encoding: { tooltip: { field: string }[] };
    }[];
  }[]).map((g) => g.layer[0]!);
  assert.equal(rules.length, 2);
  assert.deepEqual(rules.map((r) => r.mark.color), ["#9d9d9d", "#e45756"]);
  assert.deepEqual(rules[1]!.data.values, [{
    time: minute(8, 15),
    description: "Failed to set desired instance count to 4.",
    status: "Failed",
    label: "→ 4",
  }]);
  assert.deepEqual(rules[0]!.encoding.tooltip.map((t) => t.field), [
    "time",
    "description",
    "status",
  ]);
  assert.deepEqual(activityRules([]), []);
});

Deno.test("instancesPanel() draws InService and desired as step-after lines", () => {
  const panel = instancesPanel(evaluation());
  const lines = panel.layer[0]!;
  assert.ok("mark" in lines);
  assert.deepEqual(lines.mark, { type: "line", interpolate: "step-after", strokeWidth: 2 });
  const values = (lines.data as { values: Record<string, unknown>[] }).values;
  assert.deepEqual(values.slice(0, 2), [
    { time: minute(0), series: "Instances InService", instances: 1 },
    { time: minute(0), series: "Desired instances", instances: 2 },
  ]);
});

Deno.test("evaluationChart() adds an errors panel only when a minute had errors", async () => {
  const input = evaluation();
  const series = input.series.map((p, i) => i === 10 ? { ...p, errors: 7 } : p);
  const spec = evaluationChart({ ...input, series });
  assertValidChart(spec);
  assert.equal((spec as unknown as Spec).vconcat.length, 5);
  const svg = await toSvg(spec);
  assert.ok(svgTexts(svg).includes(ERRORS_TITLE));
  assert.equal(markItemCount(svg, "rect"), 12);
  const noP95 = input.series.map(({ p95Ms: _, ...p }) => p);
  assert.equal((evaluationChart({ ...input, series: noP95 }) as unknown as Spec).vconcat.length, 3);
});

Deno.test("evaluationComparisonChart() gives each evaluation its own colour on minutes since start", async () => {
  const first = evaluation();
  const later = Date.parse("2024-05-01T12:30:00Z");
  const second = evaluation({
    label: "target tracking 4290",
    spawnRate: 4,
    passed: false,
    series: first.series.map((p, i) => ({
      ...p,
      time: new Date(later + i * 60_000).toISOString(),
      invocations: p.invocations * 0.8,
    })),
  });
  const third = evaluation({ label: "step scaling", spawnRate: 4 });
  const spec = evaluationComparisonChart([first, second, third]);
  assertValidChart(spec);
  const { vconcat, data } = spec as unknown as Spec;
  const rows = data!.values;
  assert.deepEqual(rows.filter((r) => r.minutes === 0).map((r) => r.run), [
    "target tracking 3300, spawn rate 1 user per minute (passed)",
    "target tracking 4290, spawn rate 4 users per minute (failed)",
    "step scaling, spawn rate 4 users per minute (passed)",
  ]);
  assert.equal(rows.filter((r) => r.minutes === 11).length, 3);
  const domain = vconcat[0]!.layer![0]!.encoding!.color!.scale!.domain!;
  assert.equal(new Set(domain).size, 3);
  const texts = svgTexts(await toSvg(spec, { onWarning: assert.fail }));
  for (
    const expected of [
      MINUTES_TITLE,
      "Instances InService (count)",
      "Expectation 12,000",
      ...domain,
    ]
  ) {
    assert.ok(texts.includes(expected), `missing "${expected}" in ${texts.join(" | ")}`);
  }
});

Deno.test("evaluationComparisonChart() keeps same-named evaluations apart and draws each expectation once", () => {
  const a = evaluation();
  const b = evaluation({ expectation: 15_000 });
  const spec = evaluationComparisonChart([a, a, b]) as unknown as Spec;
  const domain = spec.vconcat[0]!.layer![0]!.encoding!.color!.scale!.domain!;
  assert.deepEqual(domain, [
    "target tracking 3300, spawn rate 1 user per minute (passed)",
    "target tracking 3300, spawn rate 1 user per minute (passed) #2",
    "target tracking 3300, spawn rate 1 user per minute (passed) #3",
  ]);
  // One line layer plus two expectation rules (12,000 and 15,000).
  assert.equal(spec.vconcat[0]!.layer!.length, 3);
});

Deno.test("evaluation charts reject bad input with the field named", () => {
  assert.throws(() => evaluationComparisonChart([]), {
    name: "RangeError",
    message: "Cannot chart the comparison: evaluations is empty: pass at least one point",
  });
  const input = evaluation();
  const bad = input.series.map((p, i) => i === 3 ? { ...p, desiredInstances: NaN } : p);
  assert.throws(() => evaluationChart({ ...input, series: bad }), {
    name: "RangeError",
    message:
      'Cannot chart the evaluation: series[3].desiredInstances is "NaN": pass a finite number',
  });
  assert.throws(() => evaluationComparisonChart([input, { ...input, series: [] }]), {
    message: "Cannot chart the comparison (evaluation 1): series is empty: pass at least one point",
  });
  const activities = [{ time: "later", description: "x", status: "Successful" }];
  assert.throws(() => evaluationChart({ ...input, activities }), {
    message: 'Cannot chart the evaluation: activities[0].time is "later": pass an ISO 8601 time',
  });
});

Deno.test("evaluationChart() and the comparison draw every run over the window given", () => {
  const input = evaluation({ windowMinutes: 30 });
  const start = Date.parse(input.series[0]!.time);
  const domains = new Set<string>();
  const visit = (spec: Record<string, unknown>): void => {
    const layer = spec.layer as Record<string, unknown>[] | undefined;
    if (layer) return layer.forEach(visit);
    const x = (spec.encoding as { x?: { field?: string; scale?: { domain?: number[] } } })?.x;
    if (x?.field === "time") domains.add(JSON.stringify(x.scale?.domain));
  };
  (evaluationChart(input) as unknown as Spec).vconcat.forEach((p) => visit(p as never));
  assert.deepEqual([...domains], [JSON.stringify([start, start + 30 * 60_000])], "one window");
  const compared = evaluationComparisonChart([input, evaluation()]) as unknown as {
    vconcat: { layer?: { encoding: { x: { scale: { domain: number[] } } } }[] }[];
  };
  assert.deepEqual(compared.vconcat[0]!.layer![0]!.encoding.x.scale.domain, [0, 30]);
});
