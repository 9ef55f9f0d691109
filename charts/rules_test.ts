// Proves the rule builders: a value rule is drawn once at its value with its label, whatever data
// the chart around it has; time rules sit on the UTC time axis with their tooltip fields.
import assert from "node:assert/strict";
import { timeRules, valueRule } from "./rules.ts";
import { toSvg, VEGA_LITE_SCHEMA } from "./render.ts";
import { assertValidChart, markItemCount, svgTexts } from "./_testing.ts";
import type { TopLevelSpec } from "vega-lite";
import type { ChartLayer } from "./_style.ts";

function chartWith(layers: ChartLayer[]): TopLevelSpec {
  return {
    $schema: VEGA_LITE_SCHEMA,
    width: 300,
    height: 200,
    data: {
      values: [
        { time: "2024-05-01T10:00:00Z", invocations: 100 },
        { time: "2024-05-01T10:01:00Z", invocations: 300 },
        { time: "2024-05-01T10:02:00Z", invocations: 200 },
      ],
    },
    layer: [
      {
        mark: "line",
        encoding: {
          x: { field: "time", type: "temporal", scale: { type: "utc" }, title: "Time (UTC)" },
          y: { field: "invocations", type: "quantitative", title: "Invocations" },
        },
      },
      ...layers,
    ],
  };
}

Deno.test("valueRule() draws one labelled rule however many rows the chart has", async () => {
  const spec = chartWith([valueRule({ value: 250, label: "Upper limit: 250" })]);
  assertValidChart(spec);
  const svg = await toSvg(spec, { onWarning: assert.fail });
  assert.equal(markItemCount(svg, "rule"), 1);
  assert.equal(svgTexts(svg).filter((t) => t === "Upper limit: 250").length, 1);
});

Deno.test("valueRule() widens the shared y scale to a value above the data", async () => {
  const spec = chartWith([valueRule({ value: 1000, label: "Expectation" })]);
  const texts = svgTexts(await toSvg(spec));
  assert.ok(texts.includes("1,000"), texts.join("|"));
});

Deno.test("valueRule() applies colour and dash", () => {
  const rule = valueRule({ value: 1, label: "x", color: "#000000", strokeDash: [] });
  assert.deepEqual(rule.layer[0]!.mark, {
    type: "rule",
    color: "#000000",
    strokeDash: [],
    strokeWidth: 1.5,
  });
});

Deno.test("timeRules() draws one rule per time with the tooltip fields", async () => {
  const rules = timeRules({
    data: [
      { time: "2024-05-01T10:00:30Z", what: "scale out" },
      { time: "2024-05-01T10:01:30Z", what: "scale in" },
    ],
    tooltip: [{ field: "what", title: "Activity" }],
  });
  const spec = chartWith([rules]);
  assertValidChart(spec);
  assert.equal(markItemCount(await toSvg(spec), "rule"), 2);
  const tooltip = (rules.encoding as { tooltip: { field: string; title: string }[] }).tooltip;
  assert.deepEqual(tooltip.map((t) => [t.field, t.title]), [
    ["time", "Time (UTC)"],
    ["what", "Activity"],
  ]);
});
