// What every chart must carry to explain itself (private to charts/ and its tests): a title, a
// title with a unit on every axis that encodes a field, and a legend or a label for every mark
// that encodes data. `chartRuleViolations` lists what a spec lacks, one line each.
import type { ChartSpec } from "./render.ts";

// deno-lint-ignore no-explicit-any
type Spec = Record<string, any>;

/** A unit in parentheses (`Time (UTC)`, `Cost so far ($)`) or a rate (`per minute`). */
export const AXIS_UNIT = /\([^)]+\)|per (minute|second)/;

/** The panels of a chart: each child of a concat, or the chart itself. */
function panels(spec: Spec): Spec[] {
  const children = spec.vconcat ?? spec.hconcat ?? spec.concat;
  return Array.isArray(children) ? children.flatMap(panels) : [spec];
}

/** The unit specs of a panel, layers flattened. */
function units(spec: Spec): Spec[] {
  return Array.isArray(spec.layer) ? spec.layer.flatMap(units) : [spec];
}

function markType(unit: Spec): string | undefined {
  return typeof unit.mark === "string" ? unit.mark : unit.mark?.type;
}

function titleText(title: unknown): string {
  if (typeof title === "string") return title;
  if (title && typeof title === "object" && "text" in title) {
    const text = (title as { text: unknown }).text;
    return Array.isArray(text) ? text.join(" ") : String(text ?? "");
  }
  return "";
}

/**
 * What a chart spec lacks to explain itself; empty when it has a title, every field-encoded axis
 * has a title with a unit, every series is in a legend or named by its axis, and every rule or
 * band at a constant value or at data times carries a text label.
 *
 * @example Usage
 * ```ts
 * import { chartRuleViolations } from "./_chart_rules.ts";
 * import assert from "node:assert/strict";
 * const bare = { mark: "line", data: { values: [] }, encoding: {
 *   x: { field: "t", type: "temporal" }, y: { field: "v", type: "quantitative", title: "Latency (ms)" },
 * } };
 * assert.deepEqual(chartRuleViolations(bare as never), [
 *   "the chart has no title",
 *   "panel 1, line: axis x (field t) has no title",
 * ]);
 * ```
 */
export function chartRuleViolations(chart: ChartSpec): string[] {
  const spec = chart as unknown as Spec;
  const out: string[] = [];
  if (titleText(spec.title).trim() === "") out.push("the chart has no title");
  panels(spec).forEach((panel, p) => {
    const all = units(panel);
    const texts = all.filter((u) => markType(u) === "text");
    const where = (u: Spec) => `panel ${p + 1}, ${markType(u)}`;
    // Series without a colour legend: each must be the only one on its panel (its axis names it).
    const unnamed = all.filter((u) =>
      markType(u) !== "text" && u.encoding?.y?.field !== undefined &&
      !(u.encoding?.color?.field !== undefined && u.encoding.color.legend !== null)
    );
    for (const u of all) {
      const enc: Spec = u.encoding ?? {};
      for (const channel of ["x", "y"]) {
        const def = enc[channel];
        if (def?.field === undefined) continue;
        const title = typeof def.title === "string" ? def.title : "";
        if (title === "") {
          out.push(`${where(u)}: axis ${channel} (field ${def.field}) has no title`);
        } else if (!AXIS_UNIT.test(title)) {
          out.push(`${where(u)}: axis title "${title}" names no unit`);
        }
      }
      if (markType(u) === "text") continue;
      if (enc.y?.field !== undefined) {
        if (unnamed.includes(u) && unnamed.length > 1) {
          out.push(`${where(u)}: series "${enc.y.field}" shares its panel with no legend`);
        }
      } else if (enc.x?.field !== undefined) {
        // Rules at data times (activities, crossings): a text mark over the same data labels them.
        const labelled = texts.some((t) =>
          t.encoding?.text?.field !== undefined &&
          JSON.stringify(t.data) === JSON.stringify(u.data)
        );
        if (!labelled) out.push(`${where(u)}: marks at "${enc.x.field}" times have no label`);
      } else if (enc.y?.datum !== undefined) {
        // Rules and bands at a constant: a text at the same value labels them.
        const labelled = texts.some((t) => t.encoding?.y?.datum === enc.y.datum);
        if (!labelled) out.push(`${where(u)}: the ${markType(u)} at ${enc.y.datum} has no label`);
      }
    }
  });
  return out;
}
