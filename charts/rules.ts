/**
 * Rules drawn over the charts: a labelled horizontal rule at a value (scaling limits, the
 * expectation) and vertical rules at times (limit crossings, scaling activities).
 *
 * @module
 */
import type { Field } from "vega-lite/build/src/channeldef.js";
import type { LayerSpec, UnitSpec } from "vega-lite/build/src/spec/index.js";
import { COLORS, utcTimeTooltip, utcTimeX } from "./_style.ts";

/** Options for {@linkcode valueRule}. */
export interface ValueRuleOptions {
  /** The y value the rule marks, in the units of the axis it shares. */
  value: number;
  /**
   * The label, written just right of the plot at the rule's height — outside the plot area, so
   * it never covers data (also the rule's tooltip).
   */
  label: string;
  /**
   * Rule and label colour.
   *
   * @default {"#e45756"}
   */
  color?: string;
  /**
   * Dash pattern of the rule (`[]` for a solid line).
   *
   * @default {[6, 4]}
   */
  strokeDash?: number[];
}

/**
 * A horizontal rule at a value with a label right of the plot, as a two-mark layer that shares
 * the y scale of the layer it is put in (the value widens that scale's domain when needed).
 *
 * @param options The value, label and look.
 * @returns A layer of a rule and a text mark, with one datum of its own.
 *
 * @example The upper scaling limit
 * ```ts
 * import assert from "node:assert/strict";
 * import { valueRule } from "./rules.ts";
 *
 * const layer = valueRule({ value: 1815, label: "Upper limit 55 %: 1,815 per minute" });
 * assert.equal(layer.layer.length, 2);
 * assert.deepEqual(layer.data, { values: [{}] });
 * ```
 */
export function valueRule(options: ValueRuleOptions): LayerSpec<Field> & {
  layer: UnitSpec<Field>[];
} {
  const { value, label, color = COLORS.red, strokeDash = [6, 4] } = options;
  const y = { datum: value, type: "quantitative" } as const;
  return {
    data: { values: [{}] },
    layer: [
      {
        mark: { type: "rule", color, strokeDash, strokeWidth: 1.5 },
        encoding: { y, tooltip: { value: label } },
      },
      {
        mark: {
          type: "text",
          color,
          align: "left",
          baseline: "middle",
          dx: 4,
          fontSize: 11,
        },
        encoding: { x: { value: "width" }, y, text: { value: label } },
      },
    ],
  };
}

/** One vertical rule of {@linkcode timeRules}: a time plus the fields its tooltip shows. */
export interface TimeRuleDatum {
  /** ISO 8601 time of the rule. */
  time: string;
  /** Further fields, shown in the tooltip when listed in `tooltip`. */
  [field: string]: string | number;
}

/** Options for {@linkcode timeRules}. */
export interface TimeRulesOptions {
  /** The rules: one per datum. */
  data: TimeRuleDatum[];
  /**
   * Tooltip fields besides the time, with their titles.
   *
   * @default {[]}
   */
  tooltip?: { field: string; title: string }[];
  /**
   * Rule colour.
   *
   * @default {"#9d9d9d"}
   */
  color?: string;
  /**
   * Field of each datum written above the plot at the rule's time (off the data); no labels
   * when absent.
   */
  label?: string;
  /**
   * Which line above the plot the labels take (0 just above it, 1 the one over that), so that
   * two sets of rules at the same times keep readable labels.
   *
   * @default {0}
   */
  labelLine?: number;
  /**
   * Dash pattern of the rules (`[]` for solid).
   *
   * @default {[2, 3]}
   */
  strokeDash?: number[];
}

/**
 * Vertical rules at times on the shared UTC time axis, with a tooltip per rule.
 *
 * @param options The rules and their look.
 * @returns One rule mark with its own data, layered with its labels when `label` is given.
 *
 * @example Rules at two crossing times
 * ```ts
 * import assert from "node:assert/strict";
 * import { timeRules } from "./rules.ts";
 *
 * const rules = timeRules({
 *   data: [
 *     { time: "2024-05-01T10:03:00Z", limit: "upper" },
 *     { time: "2024-05-01T10:07:00Z", limit: "upper" },
 *   ],
 *   tooltip: [{ field: "limit", title: "Limit" }],
 * });
 * assert.ok("mark" in rules);
 * assert.deepEqual(rules.mark, { type: "rule", color: "#9d9d9d", strokeDash: [2, 3], strokeWidth: 1.5 });
 * ```
 */
export function timeRules(options: TimeRulesOptions): UnitSpec<Field> | LayerSpec<Field> {
  const { data, tooltip = [], color = COLORS.grey, strokeDash = [2, 3], label, labelLine = 0 } =
    options;
  const rule: UnitSpec<Field> = {
    data: { values: data },
    mark: { type: "rule", color, strokeDash, strokeWidth: 1.5 },
    encoding: {
      x: utcTimeX(),
      tooltip: [
        utcTimeTooltip(),
        ...tooltip.map(({ field, title }) => ({ field, title, type: "nominal" as const })),
      ],
    },
  };
  if (label === undefined) return rule;
  return {
    layer: [rule, {
      data: { values: data },
      // Above the plot area (y 0 is its top edge), so the label never covers data.
      mark: { type: "text", color, baseline: "bottom", dy: -3 - 12 * labelLine, fontSize: 10 },
      encoding: { x: utcTimeX(), y: { value: 0 }, text: { field: label, type: "nominal" } },
    }],
  };
}
