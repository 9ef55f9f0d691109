// Proves the story check: the committed notebook's own markdown states no verdict of a run (only
// generated markdown may), and a generated sentence, a chart caption or a printed line whose
// verdict differs from the verdict table is reported — so the notebook test, which runs this
// check on the executed notebook, fails when the words contradict the outputs. The chart outputs
// of the fixtures are built by charts/render.ts, as the notebook's are, so they cannot drift.
import assert from "node:assert/strict";
import { join } from "node:path";
import { REPO_ROOT } from "./notebook_harness.ts";
import type { NotebookCellReport, NotebookOutput } from "./notebook_harness.ts";
import { type ChartSpec, showChart, VEGA_LITE_SCHEMA } from "../charts/render.ts";
import { type NotebookFile, storyContradictions, tableVerdicts } from "./notebook_story.ts";

const TABLE = [
  "policy                spawn rate  peak inv/min  min to expectation  instance-min  worst p95 ms  verdict",
  "--------------------  ----------  ------------  ------------------  ------------  ------------  -------",
  "target tracking       1           306,870       14                  38            10.5          passed: 306,870 of 289,260 expected, +6 %",
  "target tracking x1.3  3           250,000       never               52            40.2          failed: 250,000 of 289,260 expected, -14 %",
].join("\n");

function cell(index: number, outputs: NotebookCellReport["outputs"]): NotebookCellReport {
  return { index, execution_count: index, source_head: "", status: "ok", duration_s: 0, outputs };
}

const SPEC: ChartSpec = {
  $schema: VEGA_LITE_SCHEMA,
  data: { values: [{ minute: 0, invocations: 1 }] },
  mark: "line",
  encoding: {
    x: { field: "minute", type: "quantitative" },
    y: { field: "invocations", type: "quantitative" },
  },
};

/**
 * A chart's output as the notebook shows it and the driver reports it: the bundle comes from
 * `showChart` (charts/render.ts), as a notebook cell publishes it, and the report holds what
 * notebook_driver.py's output_report keeps (sorted MIME types, the text/plain, the data).
 */
async function chartOutput(caption: string): Promise<NotebookOutput> {
  let shown: Record<string, unknown> | undefined;
  await showChart(SPEC, {
    caption,
    jupyter: {
      display: (bundle) => {
        shown = bundle as Record<string, unknown>;
        return Promise.resolve();
      },
    },
  });
  assert.ok(shown, "showChart displayed its bundle");
  return {
    output_type: "display_data",
    late: false,
    mime_types: Object.keys(shown).sort(),
    text: String(shown["text/plain"]),
    data: shown,
  };
}

async function run(markdown: string, caption: string, printed: string) {
  return {
    cells: [
      cell(1, [{ output_type: "stream", late: false, name: "stdout", text: printed }]),
      cell(2, [await chartOutput(caption)]),
      cell(3, [{
        output_type: "execute_result",
        late: false,
        mime_types: ["text/markdown", "text/plain"],
        data: { "text/markdown": markdown },
      }]),
      cell(4, [{ output_type: "stream", late: false, name: "stdout", text: TABLE }]),
    ],
  };
}

const EMPTY: NotebookFile = { cells: [] };
const GOOD = await run(
  "**target tracking** at 1 users/min **passed**: 306,870 of 289,260 expected, +6 %\n" +
    "- **target tracking x1.3** at 3 users/min: the original failed, this run **failed** (...)",
  "target tracking at 1 users/min passed: 306,870 of 289,260 expected, +6 % (reached ...)",
  "Evaluation job = j-adv, target tracking x1.3 at 3 users/min failed: 250,000 of 289,260 expected, -14 %\n",
);

Deno.test("tableVerdicts() reads each policy's verdict from the printed table", () => {
  assert.deepEqual(
    [...tableVerdicts(GOOD)],
    [["target tracking @ 1", "passed"], ["target tracking x1.3 @ 3", "failed"]],
  );
});

Deno.test("storyContradictions() finds none when every stated verdict matches the table", () => {
  assert.deepEqual(storyContradictions(EMPTY, GOOD), []);
});

Deno.test("storyContradictions() reports generated markdown, a caption or a line that says otherwise", async () => {
  const bad = await run(
    "**target tracking** at 1 users/min **failed**: ...\n" +
      "- **target tracking x1.3** at 3 users/min: the original failed, this run **passed** (...)",
    "target tracking x1.3 at 3 users/min passed: 300,000 of 289,260 expected",
    "Evaluation job = j-adv, target tracking at 1 users/min failed: 1 of 2 expected, -50 %\n",
  );
  assert.deepEqual(storyContradictions(EMPTY, bad), [
    "the output of cell 1 says target tracking @ 1 failed; the table says passed",
    "the caption in cell 2 says target tracking x1.3 @ 3 passed; the table says failed",
    "the generated markdown of cell 3 says target tracking @ 1 failed; the table says passed",
    "the generated markdown of cell 3 says target tracking x1.3 @ 3 passed; the table says failed",
  ]);
});

Deno.test("storyContradictions() reports a static sentence that states this run's verdict", () => {
  const notebook: NotebookFile = {
    cells: [
      {
        cell_type: "markdown",
        source: ["In the original, this evaluation fell short. ", "Here step scaling passed."],
      },
      { cell_type: "code", source: "// passed" },
    ],
  };
  assert.deepEqual(storyContradictions(notebook, GOOD), [
    'markdown cell 0 states a verdict of this run: "Here step scaling passed."',
  ]);
});

Deno.test("the committed notebook's markdown states no verdict of its own", async () => {
  for await (const entry of Deno.readDir(join(REPO_ROOT, "notebooks"))) {
    if (!entry.name.endsWith(".ipynb")) continue;
    const path = join(REPO_ROOT, "notebooks", entry.name);
    const notebook = JSON.parse(await Deno.readTextFile(path)) as NotebookFile;
    assert.ok(notebook.cells.some((c) => c.cell_type === "markdown"), entry.name);
    assert.deepEqual(storyContradictions(notebook, GOOD), [], entry.name);
  }
});
