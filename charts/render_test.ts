// Proves the headless renderer and the display helper: Vega-Lite warnings are captured, the SVG
// is rendered without a DOM, the Jupyter bundle has exactly the four MIME types (the SVG also as a Markdown image
// for nbconvert's HTML export), and showChart displays in the kernel and writes files atomically for
// scripts, with the usual file mode.
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  chartBundle,
  type ChartSpec,
  compileChart,
  type JupyterDisplay,
  showChart,
  specPathFor,
  toSvg,
  VEGA_LITE_MIME,
  VEGA_LITE_SCHEMA,
} from "./render.ts";
import { svgTexts } from "./_testing.ts";

function barChart(): ChartSpec {
  return {
    $schema: VEGA_LITE_SCHEMA,
    data: { values: [{ policy: "target tracking", peak: 3300 }, { policy: "step", peak: 2900 }] },
    mark: "bar",
    encoding: {
      x: { field: "policy", type: "nominal", title: "Scaling policy" },
      y: { field: "peak", type: "quantitative", title: "Peak invocations per minute" },
    },
  };
}

/** A spec Vega-Lite compiles with a warning: shape does not apply to bars. */
function barChartWithShape(): ChartSpec {
  return {
    $schema: VEGA_LITE_SCHEMA,
    data: { values: [{ policy: "target tracking", peak: 3300 }] },
    mark: "bar",
    encoding: {
      x: { field: "policy", type: "nominal" },
      y: { field: "peak", type: "quantitative" },
      shape: { field: "policy", type: "nominal" },
    },
  };
}

function fakeJupyter(): JupyterDisplay & { calls: [unknown, unknown][] } {
  const calls: [unknown, unknown][] = [];
  return {
    calls,
    display(obj: unknown, options?: unknown) {
      calls.push([obj, options]);
      return Promise.resolve();
    },
  };
}

Deno.test("compileChart() compiles a clean spec without warnings", () => {
  const { vega, warnings } = compileChart(barChart());
  assert.deepEqual(warnings, []);
  assert.ok(Array.isArray(vega.marks) && vega.marks.length > 0);
});

Deno.test("compileChart() captures Vega-Lite warnings instead of printing them", () => {
  const { warnings } = compileChart(barChartWithShape());
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /shape/);
});

Deno.test("compileChart() rejects a spec that is not Vega-Lite v5", () => {
  const v6 = { ...barChart(), $schema: "https://vega.github.io/schema/vega-lite/v6.json" };
  assert.throws(() => compileChart(v6), {
    name: "TypeError",
    message:
      'Cannot render chart: its $schema is "https://vega.github.io/schema/vega-lite/v6.json": set it to "https://vega.github.io/schema/vega-lite/v5.json"',
  });
});

Deno.test("compileChart() leaves the caller's spec untouched", () => {
  const spec = barChart();
  const before = structuredClone(spec);
  compileChart(spec);
  const values = (spec as { data: { values: object[] } }).data.values;
  assert.deepEqual(spec, before);
  assert.deepEqual(Object.getOwnPropertySymbols(values[0]!), []);
});

Deno.test("toSvg() renders the axis titles and marks headless", async () => {
  const svg = await toSvg(barChart(), { onWarning: (m) => assert.fail(m) });
  assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(svg, /<\/svg>$/);
  const texts = svgTexts(svg);
  assert.ok(texts.includes("Scaling policy"), texts.join("|"));
  assert.ok(texts.includes("Peak invocations per minute"));
  assert.ok(texts.includes("target tracking"));
  // Two bars: one path per datum in the mark group.
  assert.equal(svg.match(/role-mark marks/g)?.length ?? 0, 1);
  assert.equal(svg.match(/aria-roledescription="bar"/g)?.length, 2);
});

Deno.test("toSvg() passes warnings to onWarning", async () => {
  const warnings: string[] = [];
  await toSvg(barChartWithShape(), { onWarning: (m) => warnings.push(m) });
  assert.equal(warnings.length, 1);
});

Deno.test("chartBundle() holds exactly the spec, the SVG, its Markdown image and the caption", async () => {
  const spec = barChart();
  const bundle = await chartBundle(spec, "Peak per policy");
  assert.deepEqual(Object.keys(bundle).sort(), [
    "application/vnd.vegalite.v5+json",
    "image/svg+xml",
    "text/markdown",
    "text/plain",
  ]);
  const image = /^!\[Peak per policy\]\(data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)\)$/.exec(
    bundle["text/markdown"],
  );
  assert.ok(image, bundle["text/markdown"].slice(0, 80));
  assert.equal(new TextDecoder().decode(Buffer.from(image[1], "base64")), bundle["image/svg+xml"]);
  assert.equal(VEGA_LITE_MIME, "application/vnd.vegalite.v5+json");
  assert.equal(bundle[VEGA_LITE_MIME], spec);
  assert.equal(bundle["text/plain"], "Peak per policy");
  assert.match(bundle["image/svg+xml"], /^<svg/);
});

Deno.test("showChart() displays the raw bundle in the kernel and writes nothing", async () => {
  const jupyter = fakeJupyter();
  const result = await showChart(barChart(), { caption: "Peak per policy", jupyter });
  assert.equal(result, undefined);
  assert.equal(jupyter.calls.length, 1);
  const [bundle, options] = jupyter.calls[0]!;
  assert.deepEqual(options, { raw: true });
  assert.deepEqual(Object.keys(bundle as object).sort(), [
    "application/vnd.vegalite.v5+json",
    "image/svg+xml",
    "text/markdown",
    "text/plain",
  ]);
});

Deno.test("showChart() writes the SVG and the spec beside it, creating the folder", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const outFile = `${dir}/charts/peak.svg`;
    const spec = barChart();
    const path = await showChart(spec, { caption: "Peak", outFile, jupyter: null });
    assert.equal(path, outFile);
    assert.equal(await Deno.readTextFile(outFile), await toSvg(spec));
    assert.deepEqual(JSON.parse(await Deno.readTextFile(`${dir}/charts/peak.vl.json`)), spec);
    const names = [];
    for await (const entry of Deno.readDir(`${dir}/charts`)) names.push(entry.name);
    assert.deepEqual(names.sort(), ["peak.svg", "peak.vl.json"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("showChart() creates files with mode 0666 less the umask (0644 under 022)", async () => {
  const dir = await Deno.makeTempDir();
  // The umask as a child shell sees it (Deno.umask is unstable); 022 on most systems.
  const shell = await new Deno.Command("sh", { args: ["-c", "umask"], stdout: "piped" }).output();
  const umask = parseInt(new TextDecoder().decode(shell.stdout).trim(), 8);
  try {
    await showChart(barChart(), { caption: "Peak", outFile: `${dir}/peak.svg`, jupyter: null });
    for (const name of ["peak.svg", "peak.vl.json"]) {
      const mode = (await Deno.stat(`${dir}/${name}`)).mode! & 0o777;
      assert.equal(mode.toString(8), (0o666 & ~umask).toString(8), name);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("showChart() replaces an existing file whole", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const outFile = `${dir}/peak.svg`;
    await Deno.writeTextFile(outFile, "x".repeat(100_000));
    await showChart(barChart(), { caption: "Peak", outFile, jupyter: null });
    assert.match(await Deno.readTextFile(outFile), /^<svg[\s\S]*<\/svg>$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("showChart() in the kernel with outFile both displays and writes", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const jupyter = fakeJupyter();
    const path = await showChart(barChart(), {
      caption: "Peak",
      outFile: `${dir}/peak.svg`,
      jupyter,
    });
    assert.equal(path, `${dir}/peak.svg`);
    assert.equal(jupyter.calls.length, 1);
    await Deno.stat(`${dir}/peak.vl.json`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("showChart() outside the kernel without outFile says to pass one", async () => {
  await assert.rejects(showChart(barChart(), { caption: "Peak", jupyter: null }), {
    name: "TypeError",
    message:
      'Cannot show chart "Peak": not in the Jupyter kernel and no outFile given: pass outFile',
  });
});

Deno.test("showChart() defaults to no display under deno test", async () => {
  // `"jupyter" in Deno` is true here too; only reading it tells (it throws outside the kernel).
  assert.throws(() => Deno.jupyter, /only available in `deno jupyter`/);
  await assert.rejects(showChart(barChart(), { caption: "Peak" }), TypeError);
});

Deno.test("showChart() rejects an outFile that is not .svg", async () => {
  await assert.rejects(
    showChart(barChart(), { caption: "Peak", outFile: "out/peak.png", jupyter: null }),
    {
      name: "TypeError",
      message: 'Cannot write chart: outFile "out/peak.png" must end with ".svg"',
    },
  );
});

Deno.test("specPathFor() puts .vl.json in place of .svg", () => {
  assert.equal(specPathFor("/tmp/a.b/evaluation-1.svg"), "/tmp/a.b/evaluation-1.vl.json");
});
