/**
 * Render Vega-Lite v5 specs without a browser and show them: an SVG string, a Jupyter MIME
 * bundle (spec + SVG fallback + caption), inline display in the Deno Jupyter kernel, or SVG and
 * `.vl.json` files for scripts.
 *
 * Nothing here reads `import.meta`, so notebook cells may call every function directly.
 *
 * @module
 */
import "./_quiet_punycode.ts";
import * as vega from "vega";
import * as vl from "vega-lite";
import type { TopLevelSpec } from "vega-lite";
import { Buffer } from "node:buffer";
import { writeFileAtomic } from "../machine/atomic_write.ts";

/** The Jupyter MIME type of a Vega-Lite v5 spec (JupyterLab 4 and VS Code render it; not v6). */
export const VEGA_LITE_MIME = "application/vnd.vegalite.v5+json";

/** The `$schema` every chart of this project carries. */
export const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

/** A Vega-Lite v5 top-level spec, as the `vega-lite` package types it. */
export type ChartSpec = TopLevelSpec;

/** What {@linkcode compileChart} returns: the Vega spec and every warning Vega-Lite logged. */
export interface CompiledChart {
  /** The compiled Vega spec. */
  vega: vega.Spec;
  /** Warnings Vega-Lite logged while compiling (empty for a clean spec). */
  warnings: string[];
}

/**
 * Compiles a Vega-Lite spec to Vega, capturing Vega-Lite's warnings instead of printing them.
 *
 * @param spec The Vega-Lite v5 spec.
 * @returns The Vega spec and the warnings.
 * @throws {TypeError} When the spec does not carry the Vega-Lite v5 `$schema`.
 * @throws {Error} When Vega-Lite logs an error.
 *
 * @example Compile a bar chart
 * ```ts
 * import assert from "node:assert/strict";
 * import { compileChart, VEGA_LITE_SCHEMA } from "./render.ts";
 *
 * const { vega, warnings } = compileChart({
 *   $schema: VEGA_LITE_SCHEMA,
 *   data: { values: [{ a: "x", b: 1 }] },
 *   mark: "bar",
 *   encoding: { x: { field: "a", type: "nominal" }, y: { field: "b", type: "quantitative" } },
 * });
 * assert.deepEqual(warnings, []);
 * assert.ok(Array.isArray(vega.marks));
 * ```
 */
export function compileChart(spec: ChartSpec): CompiledChart {
  assertVegaLiteV5(spec);
  const warnings: string[] = [];
  const errors: string[] = [];
  // A copy: Vega tags inline data objects in place, and the caller's spec must stay as it was.
  const { spec: compiled } = vl.compile(structuredClone(spec), {
    logger: new CollectingLogger(warnings, errors),
  });
  throwIfErrors(errors);
  return { vega: compiled, warnings };
}

/** Options for {@linkcode toSvg}. */
export interface ToSvgOptions {
  /**
   * Called with each warning Vega-Lite or Vega logs while compiling and rendering.
   *
   * @default {(message) => console.warn(`Chart warning: ${message}`)}
   */
  onWarning?: (message: string) => void;
}

/**
 * Renders a Vega-Lite spec to an SVG string headless: compiled with vega-lite, run by a Vega
 * view with `renderer: "none"` (no DOM, no canvas), and the view finalized afterwards.
 *
 * @param spec The Vega-Lite v5 spec.
 * @param options Where warnings go.
 * @returns The SVG document as a string, starting with `<svg`.
 *
 * @example Render a bar chart
 * ```ts
 * import assert from "node:assert/strict";
 * import { toSvg, VEGA_LITE_SCHEMA } from "./render.ts";
 *
 * const svg = await toSvg({
 *   $schema: VEGA_LITE_SCHEMA,
 *   data: { values: [{ policy: "target", peak: 3 }] },
 *   mark: "bar",
 *   encoding: {
 *     x: { field: "policy", type: "nominal" },
 *     y: { field: "peak", type: "quantitative", title: "Peak invocations" },
 *   },
 * });
 * assert.match(svg, /^<svg/);
 * assert.match(svg, /Peak invocations/);
 * ```
 */
export async function toSvg(spec: ChartSpec, options: ToSvgOptions = {}): Promise<string> {
  const { onWarning = warnOnConsole } = options;
  const compiled = compileChart(spec);
  compiled.warnings.forEach((message) => onWarning(message));
  const vegaWarnings: string[] = [];
  const vegaErrors: string[] = [];
  const view = new vega.View(vega.parse(compiled.vega), {
    renderer: "none",
    logger: new CollectingLogger(vegaWarnings, vegaErrors),
  });
  try {
    // Run the dataflow first: a spec error then surfaces as its own message, not as a crash of
    // the SVG renderer on a scene that was never built.
    await view.runAsync();
    throwIfErrors(vegaErrors);
    const svg = await view.toSVG();
    throwIfErrors(vegaErrors);
    return svg;
  } finally {
    view.finalize();
    vegaWarnings.forEach((message) => onWarning(message));
  }
}

/**
 * A Jupyter MIME bundle for one chart: the interactive Vega-Lite spec for JupyterLab and VS
 * Code, the SVG for viewers without JavaScript (GitHub), the same SVG as a Markdown image for
 * `jupyter nbconvert --to html`, and a caption.
 *
 * Why the Markdown image: nbconvert's HTML export (6.5) prefers `text/html` and `text/markdown`
 * over `image/svg+xml`, and passes an inline SVG through lxml's cleaner, which empties it (and
 * blanks `data:image/svg+xml` URIs in sanitized HTML); an image in Markdown is rendered unsanitized
 * by default, so the export shows the chart. A `text/html` image would do the same for nbconvert
 * but JupyterLab ranks `text/html` (50) above Vega-Lite (57) and would show the static picture;
 * it ranks Markdown (60) below Vega-Lite, so the interactive chart stays.
 */
export type ChartBundle = {
  /** The Vega-Lite v5 spec. */
  "application/vnd.vegalite.v5+json": ChartSpec;
  /** The chart rendered offline. */
  "image/svg+xml": string;
  /** `![caption](data:image/svg+xml;base64,...)`: the SVG for nbconvert's HTML export. */
  "text/markdown": string;
  /** The caption. */
  "text/plain": string;
};

/**
 * Builds the MIME bundle of a chart: spec, SVG rendered offline (also as a Markdown image, see
 * {@linkcode ChartBundle}) and a text caption.
 *
 * @param spec The Vega-Lite v5 spec.
 * @param caption A short caption, shown where no graphics can be.
 * @param options Where rendering warnings go.
 * @returns The bundle with exactly the four MIME types.
 *
 * @example Bundle a chart
 * ```ts
 * import assert from "node:assert/strict";
 * import { chartBundle, VEGA_LITE_SCHEMA } from "./render.ts";
 *
 * const bundle = await chartBundle({
 *   $schema: VEGA_LITE_SCHEMA,
 *   data: { values: [{ x: 1, y: 2 }] },
 *   mark: "point",
 *   encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } },
 * }, "One point");
 * assert.deepEqual(Object.keys(bundle).sort(), [
 *   "application/vnd.vegalite.v5+json",
 *   "image/svg+xml",
 *   "text/markdown",
 *   "text/plain",
 * ]);
 * assert.equal(bundle["text/plain"], "One point");
 * assert.match(bundle["text/markdown"], /^!\[One point\]\(data:image\/svg\+xml;base64,/);
 * ```
 */
export async function chartBundle(
  spec: ChartSpec,
  caption: string,
  options: ToSvgOptions = {},
): Promise<ChartBundle> {
  const svg = await toSvg(spec, options);
  return {
    [VEGA_LITE_MIME]: spec,
    "image/svg+xml": svg,
    "text/markdown": svgMarkdownImage(svg, caption),
    "text/plain": caption,
  };
}

/**
 * An SVG as a Markdown image with a base64 `data:` URI, the caption as its alt text.
 *
 * @param svg The SVG document.
 * @param caption The alt text (brackets, backslashes and line breaks are escaped).
 * @returns `![caption](data:image/svg+xml;base64,...)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { svgMarkdownImage } from "./render.ts";
 *
 * assert.equal(svgMarkdownImage("<svg/>", "a [b]"), "![a \\[b\\]](data:image/svg+xml;base64,PHN2Zy8+)");
 * ```
 */
export function svgMarkdownImage(svg: string, caption: string): string {
  const alt = caption.replace(/[\\[\]]/g, (c) => `\\${c}`).replace(/\s+/g, " ");
  return `![${alt}](data:image/svg+xml;base64,${Buffer.from(svg, "utf8").toString("base64")})`;
}

/** The part of `Deno.jupyter` that {@linkcode showChart} uses. */
export interface JupyterDisplay {
  /** Publishes a `display_data` message (with `raw: true`, the bundle as is). */
  display(obj: unknown, options?: { raw?: boolean }): Promise<void>;
}

/** Options for {@linkcode showChart}. */
export interface ShowChartOptions extends ToSvgOptions {
  /** Short text caption: the bundle's `text/plain`. */
  caption: string;
  /**
   * SVG file to write, ending in `.svg`; the spec is written beside it as `NAME.vl.json`. Both
   * are written atomically (a temporary file in the same folder, then a rename), and the folder
   * is created when missing.
   *
   * @default {undefined} nothing is written (then a display is required)
   */
  outFile?: string;
  /**
   * Where to display the bundle, or `null` never to display.
   *
   * @default {Deno.jupyter} inside the Deno Jupyter kernel (where reading it does not throw),
   * otherwise `null`
   */
  jupyter?: JupyterDisplay | null;
}

/**
 * Shows a chart where the code runs: inside the Deno Jupyter kernel it displays the MIME bundle
 * (`Deno.jupyter.display(bundle, { raw: true })`, awaited so the output is never late); when
 * `outFile` is given it writes the SVG and the `.vl.json` spec (in scripts, and in the kernel too).
 *
 * @param spec The Vega-Lite v5 spec.
 * @param options Caption, file to write, display target.
 * @returns The SVG path written, or `undefined` when the chart was only displayed.
 * @throws {TypeError} When there is neither a Jupyter display nor `outFile`, or `outFile` does
 * not end in `.svg`.
 *
 * @example Write a chart from a script
 * ```ts
 * import assert from "node:assert/strict";
 * import { showChart, VEGA_LITE_SCHEMA } from "./render.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const spec = {
 *   $schema: VEGA_LITE_SCHEMA,
 *   data: { values: [{ x: 1, y: 2 }] },
 *   mark: "point" as const,
 *   encoding: {
 *     x: { field: "x", type: "quantitative" as const },
 *     y: { field: "y", type: "quantitative" as const },
 *   },
 * };
 * const path = await showChart(spec, { caption: "One point", outFile: `${dir}/point.svg`, jupyter: null });
 * assert.equal(path, `${dir}/point.svg`);
 * assert.match(await Deno.readTextFile(`${dir}/point.svg`), /^<svg/);
 * assert.deepEqual(JSON.parse(await Deno.readTextFile(`${dir}/point.vl.json`)), spec);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function showChart(
  spec: ChartSpec,
  options: ShowChartOptions,
): Promise<string | undefined> {
  const { caption, outFile, jupyter = kernelDisplay(), onWarning } = options;
  if (outFile !== undefined && !outFile.endsWith(".svg")) {
    throw new TypeError(`Cannot write chart: outFile "${outFile}" must end with ".svg"`);
  }
  if (jupyter === null && outFile === undefined) {
    throw new TypeError(
      `Cannot show chart "${caption}": not in the Jupyter kernel and no outFile given: pass outFile`,
    );
  }
  const bundle = await chartBundle(spec, caption, { onWarning });
  if (jupyter !== null) await jupyter.display(bundle, { raw: true });
  if (outFile === undefined) return undefined;
  await writeFileAtomic(outFile, bundle["image/svg+xml"]);
  await writeFileAtomic(specPathFor(outFile), JSON.stringify(spec, null, 2) + "\n");
  return outFile;
}

/**
 * The path of the `.vl.json` spec written beside an SVG file.
 *
 * @param svgPath A path ending in `.svg`.
 * @returns The same path ending in `.vl.json`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { specPathFor } from "./render.ts";
 *
 * assert.equal(specPathFor("out/analysis.svg"), "out/analysis.vl.json");
 * ```
 */
export function specPathFor(svgPath: string): string {
  return svgPath.replace(/\.svg$/, "") + ".vl.json";
}

/**
 * `Deno.jupyter` inside the Deno Jupyter kernel, else null. `"jupyter" in Deno` is true under
 * `deno run` and `deno test` too (Deno 2.9.6): there the getter throws "Deno.jupyter is only
 * available in `deno jupyter` subcommand", so reading it is the test.
 */
function kernelDisplay(): JupyterDisplay | null {
  try {
    return Deno.jupyter;
  } catch {
    return null;
  }
}

function assertVegaLiteV5(spec: ChartSpec): void {
  const schema = (spec as { $schema?: unknown }).$schema;
  if (schema !== VEGA_LITE_SCHEMA) {
    throw new TypeError(
      `Cannot render chart: its $schema is "${String(schema)}": set it to "${VEGA_LITE_SCHEMA}"`,
    );
  }
}

function warnOnConsole(message: string): void {
  console.warn(`Chart warning: ${message}`);
}

/** A vega-util style logger that keeps what is logged instead of printing it. */
class CollectingLogger {
  #level = 2;
  constructor(readonly warnings: string[], readonly errors: string[] = []) {}
  level(_: number): this;
  level(): number;
  level(value?: number): this | number {
    if (value === undefined) return this.#level;
    this.#level = value;
    return this;
  }
  // Bound: Vega calls these detached from the logger.
  error = (...args: readonly unknown[]): this => {
    this.errors.push(args.map(String).join(" "));
    return this;
  };
  warn = (...args: readonly unknown[]): this => {
    this.warnings.push(args.map(String).join(" "));
    return this;
  };
  info(): this {
    return this;
  }
  debug(): this {
    return this;
  }
}

function throwIfErrors(errors: string[]): void {
  if (errors.length > 0) throw new Error(`Cannot render chart: ${errors.join("; ")}`);
}
