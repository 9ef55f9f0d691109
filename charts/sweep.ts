/**
 * Charts of the policy sweep: per pattern, the scatter of cost against availability with the
 * Pareto front highlighted, the chosen candidate labelled and the original's 40/50/70 % rule
 * marked; and the chosen policy's timeline against a baseline's (traffic, capacity within the
 * MinCapacity–MaxCapacity band, p99 latency).
 *
 * @module
 */
import type { TopLevelSpec } from "vega-lite";
import { CATEGORY_RANGE, COLORS, utcTimeX } from "./_style.ts";
import { VEGA_LITE_SCHEMA } from "./render.ts";

/** One candidate on one pattern. */
export interface SweepChartPoint {
  label: string;
  /** USD over the pattern. */
  cost: number;
  /** 0 to 1. */
  availability: number;
  onFront: boolean;
  chosen: boolean;
  /** The original's rule of thumb this candidate is, if any. */
  rule?: number;
}

/** What {@linkcode sweepParetoChart} draws. */
export interface SweepParetoInput {
  /** The pattern's name. */
  pattern: string;
  points: SweepChartPoint[];
}

const GROUPS = ["candidate", "Pareto front", "rule of thumb", "chosen"];

/**
 * The Pareto scatter of one pattern.
 *
 * @example Usage
 * ```ts
 * import { sweepParetoChart } from "./sweep.ts";
 * import assert from "node:assert/strict";
 * const spec = sweepParetoChart({ pattern: "spike", points: [
 *   { label: "a", cost: 1, availability: 0.99, onFront: true, chosen: true },
 *   { label: "b", cost: 2, availability: 0.98, onFront: false, chosen: false, rule: 50 },
 * ] });
 * assert.match(JSON.stringify(spec.title), /spike/);
 * ```
 */
export function sweepParetoChart(input: SweepParetoInput): TopLevelSpec {
  const rows = input.points.map((p) => ({
    label: p.label,
    cost: p.cost,
    availabilityPercent: p.availability * 100,
    group: p.chosen
      ? "chosen"
      : p.rule !== undefined
      ? "rule of thumb"
      : p.onFront
      ? "Pareto front"
      : "candidate",
    text: p.chosen ? `chosen: ${p.label}` : p.rule !== undefined ? `${p.rule} % rule` : "",
  }));
  const front = rows.filter((_, i) => input.points[i].onFront).sort((a, b) => a.cost - b.cost);
  const x = { field: "cost", type: "quantitative", title: "Cost over the pattern ($)" } as const;
  const y = {
    field: "availabilityPercent",
    type: "quantitative",
    title: "Availability (% of requests within the SLO)",
    scale: { zero: false },
  } as const;
  const color = {
    field: "group",
    type: "nominal",
    title: "Candidates",
    scale: { domain: GROUPS, range: [COLORS.grey, ...CATEGORY_RANGE.slice(0, 3)] },
    legend: { orient: "bottom" },
  } as const;
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: `Policy sweep on ${input.pattern}: cost vs availability`,
      subtitle:
        "Pareto front joined; the chosen policy and the original's 40/50/70 % rule labelled",
    },
    width: 560,
    height: 320,
    layer: [
      {
        data: { values: front.map((r) => ({ ...r, group: "Pareto front" })) },
        mark: { type: "line", interpolate: "step-after", opacity: 0.6 },
        encoding: { x, y, color },
      },
      {
        data: { values: rows },
        mark: { type: "point", filled: true, size: 40 },
        encoding: {
          x,
          y,
          color,
          tooltip: [{ field: "label" }, { field: "cost" }, { field: "availabilityPercent" }],
        },
      },
      {
        // The chosen policy and the rule of thumb again, larger and on top.
        data: { values: rows.filter((r) => r.text !== "") },
        mark: { type: "point", filled: true, size: 140, stroke: "black", strokeWidth: 0.5 },
        encoding: { x, y, color },
      },
      {
        data: { values: rows.filter((r) => r.text !== "") },
        mark: { type: "text", align: "left", dx: 6, dy: -6, fontSize: 11 },
        encoding: { x, y, text: { field: "text" } },
      },
    ],
  } as TopLevelSpec;
}

/** One minute of a policy's run. */
export interface SweepTimelinePoint {
  /** ISO start of the minute. */
  time: string;
  /** Requests offered in the minute. */
  demand: number;
  /** Desired capacity. */
  capacity: number;
  /** p99 latency, ms. */
  p99Ms: number;
  /** MinCapacity and MaxCapacity of the policy. */
  min: number;
  max: number;
}

/** What {@linkcode sweepTimelineChart} draws. */
export interface SweepTimelineInput {
  pattern: string;
  chosen: { label: string; minutes: SweepTimelinePoint[] };
  baseline: { label: string; minutes: SweepTimelinePoint[] };
}

/**
 * The chosen policy against a baseline on one pattern: traffic, capacity with the chosen policy's
 * MinCapacity–MaxCapacity band, p99 latency.
 *
 * @example Usage
 * ```ts
 * import { sweepTimelineChart } from "./sweep.ts";
 * import assert from "node:assert/strict";
 * const m = (i: number, capacity: number) => ({ time: new Date(Date.UTC(2026, 0, 5, 0, i)).toISOString(),
 *   demand: 600, capacity, p99Ms: 40, min: 1, max: 4 });
 * const spec = sweepTimelineChart({ pattern: "spike",
 *   chosen: { label: "a", minutes: [m(0, 1), m(1, 2)] }, baseline: { label: "b", minutes: [m(0, 1), m(1, 1)] } });
 * assert.equal((spec as { vconcat: unknown[] }).vconcat.length, 3);
 * ```
 */
export function sweepTimelineChart(input: SweepTimelineInput): TopLevelSpec {
  const x = utcTimeX();
  const both = [
    ...input.chosen.minutes.map((m) => ({ ...m, policy: `chosen: ${input.chosen.label}` })),
    ...input.baseline.minutes.map((m) => ({ ...m, policy: `baseline: ${input.baseline.label}` })),
  ];
  const policyColor = {
    field: "policy",
    type: "nominal",
    title: "Policy",
    scale: { range: CATEGORY_RANGE.slice(0, 3) },
    legend: { orient: "bottom", labelLimit: 480 },
  } as const;
  const band = input.chosen.minutes.map((m) => ({
    time: m.time,
    min: m.min,
    max: m.max,
    policy: "chosen MinCapacity–MaxCapacity",
  }));
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: `Chosen policy vs baseline on ${input.pattern}`,
      subtitle: "traffic, capacity within the chosen MinCapacity–MaxCapacity band, p99 latency",
    },
    vconcat: [
      {
        width: 560,
        height: 120,
        data: { values: input.chosen.minutes },
        mark: { type: "line", interpolate: "step-after" },
        encoding: {
          x,
          y: { field: "demand", type: "quantitative", title: "Requests offered (per minute)" },
        },
      },
      {
        width: 560,
        height: 160,
        layer: [
          {
            data: { values: band },
            mark: { type: "area", opacity: 0.15, interpolate: "step-after" },
            encoding: {
              x,
              y: { field: "min", type: "quantitative", title: "Instances (count)" },
              y2: { field: "max" },
              color: { ...policyColor, field: "policy" },
            },
          },
          {
            data: { values: both },
            mark: { type: "line", interpolate: "step-after" },
            encoding: {
              x,
              y: { field: "capacity", type: "quantitative", title: "Instances (count)" },
              color: policyColor,
            },
          },
        ],
        resolve: { scale: { color: "independent" } },
      },
      {
        width: 560,
        height: 120,
        data: { values: both },
        mark: { type: "line" },
        encoding: {
          x,
          y: { field: "p99Ms", type: "quantitative", title: "p99 latency (ms)" },
          color: policyColor,
        },
      },
    ],
  } as TopLevelSpec;
}
