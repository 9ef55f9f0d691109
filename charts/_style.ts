// Shared look of the charts (private to charts/): palette, sizes, the UTC time axis, number
// formats, and the spec types the builders return.
import type { Field, PositionDef } from "vega-lite/build/src/channeldef.js";
import type { LayerSpec, UnitSpec } from "vega-lite/build/src/spec/index.js";

/** One child of a `layer`: a unit spec (one mark) or a nested layer. */
export type ChartLayer = UnitSpec<Field> | LayerSpec<Field>;

/** Colour-blind-safe palette (Tableau 10, as Vega's default category scheme). */
export const COLORS = {
  blue: "#4c78a8",
  orange: "#f58518",
  red: "#e45756",
  teal: "#72b7b2",
  green: "#54a24b",
  yellow: "#eeca3b",
  purple: "#b279a2",
  brown: "#9d755d",
  grey: "#9d9d9d",
} as const;

/** Category colours in order, for series chosen at run time (policies, spawn rates). */
export const CATEGORY_RANGE: readonly string[] = [
  COLORS.blue,
  COLORS.orange,
  COLORS.green,
  COLORS.red,
  COLORS.purple,
  COLORS.brown,
  COLORS.teal,
  COLORS.yellow,
];

/** Axis title of every time axis: CloudWatch timestamps are UTC, and so are the labels. */
export const TIME_TITLE = "Time (UTC)";

/**
 * Label expression of the time axis: a label only on whole minutes. On a run of a few minutes Vega
 * puts ticks every 30 s, and `%H:%M` would print each minute twice (10:00 10:00 10:01 ...);
 * Vega-Lite 5.23 with Vega 5.33 cannot take a time interval as `tickCount` (it throws).
 */
export const WHOLE_MINUTE_LABELS = "utcseconds(datum.value) == 0 ? datum.label : ''";

/**
 * The x encoding of every time axis: an ISO `time` field on a UTC scale (so the labels are UTC
 * whatever the viewer's time zone), labelled `HH:MM` on whole minutes only.
 */
export function utcTimeX(): PositionDef<Field> {
  return {
    field: "time",
    type: "temporal",
    scale: { type: "utc" },
    axis: { format: "%H:%M", labelExpr: WHOLE_MINUTE_LABELS },
    title: TIME_TITLE,
  };
}

const COUNT = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const DECIMAL = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });

/** A count for labels: `3,300`. */
export function formatCount(value: number): string {
  return COUNT.format(value);
}

/** A percentage for labels: `55 %`, `47.5 %`. */
export function formatPercent(value: number): string {
  return `${DECIMAL.format(value)} %`;
}

/** `HH:MM` of an ISO time, in UTC. */
export function formatUtcMinute(time: string): string {
  return new Date(time).toISOString().slice(11, 16);
}

/** A tooltip entry showing the `time` field as UTC `HH:MM:SS`. */
export function utcTimeTooltip() {
  return {
    field: "time",
    type: "temporal",
    timeUnit: "utchoursminutesseconds",
    title: TIME_TITLE,
  } as const;
}
