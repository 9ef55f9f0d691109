/**
 * What each notebook must show beyond running without an error: its charts (one bundle each:
 * Vega-Lite v5 + SVG + its Markdown image + caption) and its results; and what every run must
 * hold whatever executed it: no ANSI escape code anywhere, and under plain `jupyter nbconvert
 * --execute` the same outputs as under the driver. Used by `notebook_test.ts`, which runs every
 * notebook once each way.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { NotebookRun } from "./notebook_harness.ts";
import { type NotebookFile, storyContradictions } from "./notebook_story.ts";
import type { SavedNotebook, SavedOutput } from "./nbconvert.ts";

/** The MIME types of a chart bundle, sorted (see `charts/render.ts` `ChartBundle`). */
export const CHART_MIME_TYPES: readonly string[] = [
  "application/vnd.vegalite.v5+json",
  "image/svg+xml",
  "text/markdown",
  "text/plain",
];

const VEGA_LITE = "application/vnd.vegalite.v5+json";

// deno-lint-ignore no-control-regex
const ESCAPE = /\x1b\[/;

function joined(text: string | string[] | undefined): string {
  return Array.isArray(text) ? text.join("") : text ?? "";
}

/** Asserts that no output of a saved notebook holds an ANSI escape code. */
export function assertNoEscapeCodes(notebook: SavedNotebook, label: string): void {
  notebook.cells.forEach((cell, index) => {
    for (const output of cell.outputs ?? []) {
      const text = JSON.stringify([joined(output.text), output.data, output.traceback]);
      assert.doesNotMatch(text, ESCAPE, `${label}: cell ${index} holds an escape code`);
    }
  });
}

/** What identifies an output across runs: its type and stream name or MIME types. */
function signature(output: SavedOutput): string {
  if (output.output_type === "stream") return `stream:${output.name}`;
  if (output.output_type === "error") return `error:${output.ename}`;
  return `${output.output_type}:${Object.keys(output.data ?? {}).sort().join(",")}`;
}

/**
 * The code cells whose outputs differ between the driver's run and nbconvert's: per cell, the
 * kinds of output (type, stream name, MIME types; streams of one name count once, as nbconvert
 * merges them) and the number of charts. One line per cell; empty when nbconvert kept everything.
 */
export function outputDifferences(driver: SavedNotebook, nbconvert: SavedNotebook): string[] {
  assert.equal(nbconvert.cells.length, driver.cells.length);
  const kinds = (outputs: SavedOutput[] = []) => [...new Set(outputs.map(signature))].sort();
  const charts = (outputs: SavedOutput[] = []) =>
    outputs.filter((o) => o.data?.[VEGA_LITE] !== undefined).length;
  return driver.cells.flatMap((cell, index) => {
    if (cell.cell_type !== "code") return [];
    const theirs = nbconvert.cells[index].outputs;
    const same = JSON.stringify(kinds(theirs)) === JSON.stringify(kinds(cell.outputs)) &&
      charts(theirs) === charts(cell.outputs);
    if (same) return [];
    const head = joined(cell.source).split("\n")[0];
    return [
      `cell ${index} (${head}): driver [${kinds(cell.outputs).join(" ")}], nbconvert [${
        kinds(theirs).join(" ")
      }]`,
    ];
  });
}

/**
 * Why nbconvert could miss an output the driver sees: it stops reading a cell at the kernel's
 * idle status, and Deno's kernel (2.9.6) publishes a cell's value, its console output and even
 * its displays from other tasks than the one that reports idle, with a 5 ms grace
 * (cli/tools/jupyter/server.rs); on a loaded machine some arrive after idle (measured here with
 * two busy cores: 2 to 3 outputs of 60 one-line cells). The kernelspec of `deno task kernel`
 * runs the kernel behind `scripts/deno_kernel_relay.py`, which holds idle until the cell's
 * outputs have been quiet (0 lost of 60, twice); a loss here means that no longer holds.
 */
export const KERNEL_RACE =
  "the Deno kernel published them after its idle status and the relay of deno task kernel did " +
  "not hold it (scripts/deno_kernel_relay.py)";

/** Asserts that nbconvert kept every output the driver saw (see {@linkcode outputDifferences}). */
export function assertSameOutputs(driver: SavedNotebook, nbconvert: SavedNotebook): void {
  const differences = outputDifferences(driver, nbconvert);
  assert.deepEqual(differences, [], `nbconvert lost outputs (if ${KERNEL_RACE})`);
}

/** Every chart spec of a saved notebook, in order. */
export function chartSpecs(notebook: SavedNotebook): unknown[] {
  return notebook.cells.flatMap((cell) =>
    (cell.outputs ?? []).flatMap((o) =>
      o.data?.[VEGA_LITE] === undefined ? [] : [o.data[VEGA_LITE]]
    )
  );
}

function chartCaptions(run: NotebookRun): string[] {
  const captions: string[] = [];
  for (const cell of run.cells) {
    for (const output of cell.outputs) {
      // Charts only: the story's markdown and the progress display are display_data too.
      if (output.output_type !== "display_data" || !output.mime_types?.includes(VEGA_LITE)) {
        continue;
      }
      assert.deepEqual(
        output.mime_types,
        CHART_MIME_TYPES,
        `cell ${cell.index}: a chart bundle has the four MIME types`,
      );
      const spec = output.data?.["application/vnd.vegalite.v5+json"] as
        | { $schema?: string }
        | undefined;
      assert.match(spec?.$schema ?? "", /vega-lite\/v5\.json$/);
      assert.match(String(output.data?.["image/svg+xml"] ?? ""), /^<svg/);
      captions.push(output.text ?? "");
    }
  }
  return captions;
}

/** The caption of an evaluation's scale-in tail (observe), e.g. `ep/AllTraffic, 45 min: InService 5 → 2, …`. */
const TAIL_CAPTION = /^\S+\/AllTraffic, 45 min: InService \d+ → \d+, .*instance-min, \$\d/;

/** Checks by notebook file name. */
export const NOTEBOOK_CHECKS: Record<string, (run: NotebookRun) => void> = {
  "optimize_endpoint_scaling.ipynb"(run) {
    const captions = chartCaptions(run);
    const expect = [
      /^Benchmark of one instance: peak \d+ invocations\/min/,
      /^Utilization of one instance/,
      /^target tracking at 1 users\/min (passed|failed): /,
      TAIL_CAPTION,
      /^target tracking x1\.3 at 3 users\/min (passed|failed): /,
      TAIL_CAPTION,
      /^step scaling at 3 users\/min (passed|failed): /,
      TAIL_CAPTION,
      /^Evaluations compared: /,
    ];
    assert.equal(captions.length, expect.length, `charts: ${captions.join(" | ")}`);
    expect.forEach((re, i) => assert.match(captions[i], re));
    const text = run.cells.flatMap((c) => c.outputs.map((o) => o.text ?? "")).join("\n");
    assert.match(
      text,
      /Scaling configuration: MaxCapacity = 8, MinCapacity = 2, InvocationsPerInstance = \d+/,
    );
    assert.match(
      text,
      /policy +spawn rate +peak inv\/min +min to expectation +instance-min +worst p95 ms +verdict/,
    );
    assert.match(text, /Failed +nothing/, "cleanup deleted everything");
    // The words agree with the results: no static verdict, no generated one the table contradicts.
    const notebook = JSON.parse(Deno.readTextFileSync(run.notebook)) as NotebookFile;
    assert.deepEqual(storyContradictions(notebook, run), []);
  },
  "policy_lab.ipynb"(run) {
    const captions = chartCaptions(run);
    const patterns = ["ramp", "spike", "trace:data/day.csv"];
    assert.equal(captions.length, 2 * patterns.length + 1, `charts: ${captions.join(" | ")}`);
    // One choice everywhere: the Pareto captions, the timelines, the story and the evaluation.
    const chosen = new Set<string>();
    patterns.forEach((pattern, i) => {
      const pareto = /^Sweep on (.+?): \d+ of \d+ candidates on the front; chosen "(.+?)" \(/.exec(
        captions[i],
      );
      assert.ok(pareto, `Pareto chart ${i}: ${captions[i]}`);
      assert.equal(pareto[1], pattern);
      chosen.add(pareto[2]);
      const timeline = /^Chosen "(.+?)" vs baseline "(.+?)" on (.+)$/.exec(
        captions[patterns.length + i],
      );
      assert.ok(timeline, `timeline chart ${i}: ${captions[patterns.length + i]}`);
      assert.equal(timeline[3], pattern);
      chosen.add(timeline[1]);
    });
    const evaluation = /^(.+) at 3 users\/min (passed|failed): /.exec(captions.at(-1)!);
    assert.ok(evaluation, `evaluation chart: ${captions.at(-1)}`);
    chosen.add(evaluation[1]);
    const story = run.cells.flatMap((c) => c.outputs).map((o) => o.data?.["text/markdown"])
      .map((m) =>
        typeof m === "string" && /^The sweep chose \*\*(.+?)\*\* over all patterns/m.exec(m)
      )
      .find(Boolean);
    assert.ok(story, "no sweep story in the outputs");
    chosen.add(story[1]);
    assert.equal(chosen.size, 1, `the choice differs between outputs: ${[...chosen].join(" | ")}`);
    const label = [...chosen][0];
    const text = run.cells.flatMap((c) => c.outputs.map((o) => o.text ?? "")).join("\n");
    assert.match(text, /^data\/day\.csv: 1440 rows;/m);
    assert.ok(text.includes(`, ${label} at 3 users/min `), "the evaluation names the choice");
    assert.match(
      text,
      /^cloudformation: \S+scaling\.cfn\.json, parameters EndpointName, VariantName$/m,
    );
    assert.match(
      text,
      /^terraform: \S+scaling\.tf\.json, parameters endpoint_name, variant_name$/m,
    );
    assert.match(text, /^ {2}ScalableTarget$/m);
    assert.match(text, /^ {2}aws_appautoscaling_target\.variant$/m);
    assert.match(text, /Failed +nothing/, "cleanup deleted everything");
    // The static words state no result of this run: neither the choice nor where the rule landed.
    const notebook = JSON.parse(Deno.readTextFileSync(run.notebook)) as NotebookFile;
    notebook.cells.forEach((cell, i) => {
      if (cell.cell_type !== "markdown") return;
      const source = Array.isArray(cell.source) ? cell.source.join("") : cell.source;
      assert.ok(!source.includes(label), `markdown cell ${i} names the choice of this run`);
      assert.doesNotMatch(
        source,
        /\b(dominated|is on the front|was chosen)\b/,
        `markdown cell ${i}`,
      );
    });
    assert.deepEqual(storyContradictions(notebook, run), []);
  },
};
