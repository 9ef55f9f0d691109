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
  /** The label written just above the rule's right end (also its tooltip). */
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
 * A horizontal rule at a value with a label above its right end, as a two-mark layer that shares
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
          align: "right",
          baseline: "bottom",
          dx: -4,
          dy: -3,
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
 * @returns One rule mark with its own data.
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
 * assert.deepEqual(rules.mark, { type: "rule", color: "#9d9d9d", strokeDash: [2, 3], strokeWidth: 1.5 });
 * ```
 */
export function timeRules(options: TimeRulesOptions): UnitSpec<Field> {
  const { data, tooltip = [], color = COLORS.grey, strokeDash = [2, 3] } = options;
  return {
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
}
