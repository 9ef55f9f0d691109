// Test helpers for charts/ (private): checks a spec against the published Vega-Lite v5 JSON schema
// (the one the v5 frontends validate against) and compiles it with Vega-Lite, failing on any
// schema error or compiler warning.
import assert from "node:assert/strict";
import { Ajv, type ValidateFunction } from "ajv";
import schema from "vega-lite/build/vega-lite-schema.json" with { type: "json" };
import { type ChartSpec, compileChart, VEGA_LITE_SCHEMA } from "./render.ts";

let validator: ValidateFunction | undefined;

function vegaLiteSchema(): ValidateFunction {
  // The schema uses union types and draft-07 formats; vega-lite's own tests relax Ajv the same way.
  validator ??= new Ajv({ allowUnionTypes: true, strict: false, validateFormats: false })
    .compile(schema);
  return validator;
}

/** Asserts that a spec is valid Vega-Lite v5: `$schema`, JSON schema, and a clean compile. */
export function assertValidChart(spec: ChartSpec): void {
  assert.equal((spec as { $schema?: string }).$schema, VEGA_LITE_SCHEMA);
  const validate = vegaLiteSchema();
  // JSON round trip: the schema describes JSON, so undefined fields must not count.
  const json = JSON.parse(JSON.stringify(spec));
  if (!validate(json)) {
    const errors = (validate.errors ?? []).slice(0, 5).map((e) =>
      `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`
    );
    assert.fail(`Spec does not match the Vega-Lite v5 schema:\n${errors.join("\n")}`);
  }
  assert.deepEqual(compileChart(spec).warnings, []);
}

/** The text of every `<text>` element of an SVG, unescaped. */
export function svgTexts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) =>
    m[1]!.replaceAll("&amp;", "&").replaceAll("&lt;", "<").replaceAll("&gt;", ">")
      .replaceAll("&quot;", '"').replaceAll("&#39;", "'")
  );
}

/**
 * How many items the data marks of one Vega mark type (`rule`, `rect`, `line`, `symbol`, `text`)
 * drew in an SVG, axes and legends excluded.
 */
export function markItemCount(svg: string, markType: string): number {
  const containers = svg.matchAll(
    new RegExp(`<g class="mark-${markType} role-mark[^"]*"[^>]*>(.*?)</g>`, "gs"),
  );
  return [...containers].reduce(
    (sum, m) => sum + (m[1]!.match(/<(line|path|text|rect|circle)\b/g)?.length ?? 0),
    0,
  );
}
