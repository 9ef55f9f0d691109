/**
 * The sweep's charts from its report: per pattern, the Pareto scatter (front, the choice, the
 * original's 40/50/70 % rule) and, when the report has timelines, the chosen policy against the
 * baseline (the 50 % rule).
 *
 * @module
 */
import { sweepParetoChart, sweepTimelineChart } from "../charts/sweep.ts";
import type { NamedChart } from "./charts_out.ts";
import type { SweepReport } from "./sweep_report.ts";

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

/**
 * The charts of a sweep report.
 *
 * @example Usage
 * ```ts
 * import { sweepCharts } from "./sweep_charts.ts";
 * import { sweep } from "./sweep.ts";
 * import assert from "node:assert/strict";
 * const profile = JSON.parse(await Deno.readTextFile("tests/fixtures/capacity_profile.json"));
 * const report = await sweep({ profile, patterns: ["spike"], timelines: true });
 * assert.deepEqual(sweepCharts(report).map((c) => c.file), ["sweep-pareto-spike.svg", "sweep-timeline-spike.svg"]);
 * ```
 */
export function sweepCharts(report: SweepReport): NamedChart[] {
  const P = report.patterns.length;
  const charts: NamedChart[] = [];
  for (const [p, pattern] of report.patterns.entries()) {
    const pareto = report.pareto[p];
    const points = report.candidates.map((c, i) => ({
      label: c.label,
      cost: report.results[i * P + p].cost,
      availability: report.results[i * P + p].availability,
      onFront: pareto.front.includes(i),
      chosen: i === report.chosen.candidate,
      ...(c.rule === undefined ? {} : { rule: c.rule }),
    }));
    charts.push({
      file: `sweep-pareto-${slug(pattern.name)}.svg`,
      caption:
        `Sweep on ${pattern.name}: ${pareto.front.length} of ${report.candidates.length} candidates on the front; chosen "${report.chosen.label}" (${report.chosen.reason})`,
      spec: sweepParetoChart({ pattern: pattern.name, points }),
    });
    const timeline = report.timelines?.find((t) => t.pattern === pattern.name);
    if (timeline === undefined) continue;
    const rows = (minutes: typeof timeline.chosen.minutes) =>
      minutes.map((m) => ({
        time: new Date(m.start).toISOString(),
        demand: m.demand,
        capacity: m.capacity,
        p99Ms: m.p99Ms,
        min: m.min,
        max: m.max,
      }));
    charts.push({
      file: `sweep-timeline-${slug(pattern.name)}.svg`,
      caption:
        `Chosen "${timeline.chosen.label}" vs baseline "${timeline.baseline.label}" on ${pattern.name}`,
      spec: sweepTimelineChart({
        pattern: pattern.name,
        chosen: { label: timeline.chosen.label, minutes: rows(timeline.chosen.minutes) },
        baseline: { label: timeline.baseline.label, minutes: rows(timeline.baseline.minutes) },
      }),
    });
  }
  return charts;
}
