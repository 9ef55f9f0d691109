/**
 * The two pages the browser test looks at: a notebook's HTML export (`jupyter nbconvert --to
 * html`), and a page that draws each chart's Vega-Lite spec with vega-embed the way JupyterLab's
 * Vega extension does (`vegaEmbed(node, spec, { actions: true, defaultStyle: true, mode:
 * "vega-lite" })`), with vega, vega-lite and vega-embed served from the npm packages pinned in
 * `deno.json` — no CDN.
 *
 * @module
 */
import type { EmbedOptions } from "vega-embed";
import { join } from "node:path";
import { REPO_ROOT } from "./notebook_harness.ts";

/** The embed options JupyterLab's Vega 5 extension passes for a Vega-Lite bundle. */
export const JUPYTERLAB_EMBED_OPTIONS: EmbedOptions = {
  actions: true,
  defaultStyle: true,
  mode: "vega-lite",
};

/** The browser builds the page loads, by npm package. */
const BUILDS: Record<string, string> = {
  vega: "build/vega.min.js",
  "vega-lite": "build/vega-lite.min.js",
  "vega-embed": "build/vega-embed.min.js",
};

/** Where Deno keeps npm packages (`deno info --json`'s npmCache). */
async function npmCache(): Promise<string> {
  const { stdout, success } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json"],
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    stdout: "piped",
    stderr: "null",
  }).output();
  if (!success) throw new Error("Cannot find the npm cache: `deno info --json` failed");
  return JSON.parse(new TextDecoder().decode(stdout)).npmCache;
}

/** The pinned version of an npm package in `deno.json` imports. */
async function pinnedVersion(name: string): Promise<string> {
  const config = JSON.parse(await Deno.readTextFile(join(REPO_ROOT, "deno.json")));
  const match = /^npm:.+@(\d[^/]*)$/.exec(config.imports?.[name] ?? "");
  if (!match) throw new Error(`Cannot find the pinned version of ${name} in deno.json imports`);
  return match[1];
}

/**
 * Writes `dir/embed.html`, which draws every spec with vega-embed as JupyterLab does, next to
 * copies of the vega, vega-lite and vega-embed browser builds. The page sets `window.chartsDrawn`
 * to a promise that settles when every chart has rendered (an embed failure is logged with
 * console.error, which the test counts).
 *
 * @param specs The Vega-Lite specs, in notebook order.
 * @param dir A folder to write into.
 * @returns The page's path.
 */
export async function writeEmbedPage(specs: unknown[], dir: string): Promise<string> {
  const cache = await npmCache();
  const scripts: string[] = [];
  for (const [name, build] of Object.entries(BUILDS)) {
    const source = join(cache, "registry.npmjs.org", name, await pinnedVersion(name), build);
    try {
      await Deno.copyFile(source, join(dir, `${name}.min.js`));
    } catch (error) {
      throw new Error(
        `Cannot copy ${name}'s browser build from ${source}: ${(error as Error).message}: ` +
          `run \`deno cache tests/chart_pages.ts\` to fetch it`,
      );
    }
    scripts.push(`<script src="${name}.min.js"></script>`);
  }
  const charts = specs.map((_, i) => `<div class="chart" id="chart-${i}"></div>`).join("\n");
  // `<` escaped: a spec's text must not close the script element.
  const data = JSON.stringify(specs).replaceAll("<", "\\u003c");
  const page = `<!doctype html>
<html><head><meta charset="utf-8"><title>Charts with vega-embed</title>
<style>body { margin: 16px; background: #fff; font-family: sans-serif } .chart { margin: 24px 0 }</style>
${scripts.join("\n")}
</head><body>
${charts}
<script>
const specs = ${data};
const options = ${JSON.stringify(JUPYTERLAB_EMBED_OPTIONS)};
window.chartsDrawn = Promise.all(specs.map((spec, i) =>
  vegaEmbed("#chart-" + i, spec, options).catch((error) => {
    console.error("chart " + i + ": " + error);
  }))).then(() => true);
</script>
</body></html>
`;
  const path = join(dir, "embed.html");
  await Deno.writeTextFile(path, page);
  return path;
}

/** Ready when every chart of the embed page has rendered. */
export const EMBED_READY = "window.chartsDrawn";

/** Each chart's drawing (vega-embed's canvas or SVG) on the embed page, in page coordinates. */
export const EMBED_BOXES = `[...document.querySelectorAll(".chart")].map((chart, i) => {
  const drawn = chart.querySelector("canvas, svg.marks") ?? chart;
  const r = drawn.getBoundingClientRect();
  return { label: "vega-embed chart " + i, x: r.x + scrollX, y: r.y + scrollY, width: r.width, height: r.height };
})`;

/** Ready when every image of the HTML export has loaded. */
export const EXPORT_READY =
  "[...document.images].every((img) => img.complete) && document.readyState === 'complete'";

/** Each chart image of the HTML export (the bundle's Markdown image), in page coordinates. */
export const EXPORT_BOXES =
  `[...document.querySelectorAll('img[src^="data:image/svg+xml"]')].map((img, i) => {
  const r = img.getBoundingClientRect();
  return { label: "exported chart " + i + " (" + img.alt + ")", x: r.x + scrollX, y: r.y + scrollY,
    width: r.width, height: r.height, natural: img.naturalWidth };
})`;

/**
 * Options for `jupyter nbconvert --to html` that keep the export offline: the lab template loads
 * require.js and MathJax from a CDN, which this machine cannot reach (each failed load is a
 * console error); empty `data:` scripts stand in for them. They play no part in the charts.
 */
export const OFFLINE_EXPORT_FLAGS: readonly string[] = [
  "--HTMLExporter.require_js_url=data:text/javascript,",
  // The template appends "?config=..." to this URL: the comment swallows it.
  "--HTMLExporter.mathjax_url=data:text/javascript,//",
];
