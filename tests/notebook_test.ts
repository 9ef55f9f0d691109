// Proves that the notebooks run headless under the real Deno Jupyter kernel: every
// notebooks/*.ipynb executes without an error output under the driver and under plain
// `jupyter nbconvert --execute` (kernelspec of `deno task kernel`), with the same outputs and no
// ANSI escape code in either; that its charts draw in headless Chromium, in the HTML export and
// with vega-embed as JupyterLab draws them; that a notebook in any folder prepared by
// `deno task notebook:folder` imports the toolkit; and that the driver behind it reports what a
// notebook really did — chart bundles with all their MIME types, output published after a cell
// went idle, thrown errors, cells not run after a failure, cell timeouts — saves notebooks with the
// usual file mode, and stops its kernel. Without a Python with jupyter_client and nbconvert (or
// without chromium, for the browser step) the tests fail under CI and are skipped otherwise.
//
// Later tests: import runNotebook from "./notebook_harness.ts" (importing this file would
// register these tests again).
import assert from "node:assert/strict";
import { basename, join } from "node:path";
import {
  assertNoEscapeCodes,
  assertSameOutputs,
  CHART_MIME_TYPES,
  chartSpecs,
  NOTEBOOK_CHECKS,
} from "./notebook_checks.ts";
import { pathToFileURL } from "node:url";
import { prepareNotebookFolder, TOOLKIT_IMPORT } from "../scripts/notebook_folder.ts";
import {
  describeFailure,
  type NotebookRun,
  notebookToolsMissing,
  REPO_ROOT,
  runNotebook,
} from "./notebook_harness.ts";
import { type NbconvertRun, runNbconvert, type SavedNotebook } from "./nbconvert.ts";
import { CHROMIUM_HINT, findChromium, type PageShot, screenshotPage } from "./browser.ts";
import { skipWithout } from "../scripts/packages.ts";
import {
  EMBED_BOXES,
  EMBED_READY,
  EXPORT_BOXES,
  EXPORT_READY,
  OFFLINE_EXPORT_FLAGS,
  writeEmbedPage,
} from "./chart_pages.ts";

export { runNotebook } from "./notebook_harness.ts";

const missing = await notebookToolsMissing();
const ci = Boolean(Deno.env.get("CI"));
if (missing !== undefined && !ci) console.warn(`notebook tests skipped: ${missing}`);
const ignore = missing !== undefined && !ci;

function requireTools(): void {
  if (missing !== undefined) assert.fail(`${missing} (CI is set, so this is a failure)`);
}

// Debian's chromium is on packages.txt; without it the browser step is skipped (fails under CI).
const noChromium = await skipWithout("chromium");

Deno.test({
  name: "every notebook runs under the driver and plain nbconvert alike, and its charts draw",
  ignore,
  async fn(t) {
    requireTools();
    const folder = join(REPO_ROOT, "notebooks");
    const notebooks: string[] = [];
    for await (const entry of Deno.readDir(folder)) {
      if (entry.isFile && entry.name.endsWith(".ipynb")) notebooks.push(join(folder, entry.name));
    }
    assert.ok(notebooks.length > 0, `no notebook in ${folder}`);
    for (const notebook of notebooks.sort()) {
      const name = basename(notebook);
      const work = await Deno.makeTempDir({ prefix: "notebook-run-" });
      // Each run keeps its local backend's state in a temp folder, not beside the notebook.
      const state = (run: string) => ({ SCALING_LOCAL_DIR: join(work, `state-${run}`) });
      let driverSaved: SavedNotebook | undefined;
      let executed: NbconvertRun | undefined;
      const html = join(work, name.replace(/\.ipynb$/, ".html"));
      try {
        await t.step(`${name}: the driver runs every cell without an error`, async () => {
          const saved = join(work, "driver", name);
          const run = await runNotebook(notebook, {
            env: state("driver"),
            includeData: true,
            writeTo: saved,
          });
          assert.ok(run.ok, describeFailure(run));
          assert.equal(run.exitCode, 0, run.stderr);
          assert.ok(run.cells.length > 0);
          for (const cell of run.cells) assert.equal(cell.status, "ok", describeFailure(run));
          await assertKernelGone(run);
          console.log(`${name}: driver ${run.timings.total_s} s (cells ${run.timings.cells_s} s)`);
          // What a notebook must show beyond running cleanly (charts, verdicts...).
          NOTEBOOK_CHECKS[name]?.(run);
          driverSaved = JSON.parse(await Deno.readTextFile(saved));
          assertNoEscapeCodes(driverSaved!, "driver");
        });
        await t.step(`${name}: plain jupyter nbconvert --execute loses no output`, async () => {
          assert.ok(driverSaved, "the driver's run failed");
          executed = await runNbconvert(notebook, join(work, "nbconvert"), {
            env: state("nbconvert"),
            htmlTo: html,
            htmlFlags: OFFLINE_EXPORT_FLAGS,
          });
          console.log(`${name}: nbconvert --execute ${executed.seconds.toFixed(1)} s`);
          // The kernelspec of `deno task kernel`: no path into npm's npx cache, and the relay
          // that holds each cell's idle until its outputs are in (scripts/deno_kernel_relay.py).
          assert.doesNotMatch(executed.kernelSpec.argv.join(" "), /_npx/);
          assert.match(executed.kernelSpec.argv[1], /deno_kernel_relay\.py$/);
          assert.equal(executed.kernelSpec.env?.NO_COLOR, "1");
          assertNoEscapeCodes(executed.notebook, "nbconvert");
          assertSameOutputs(driverSaved!, executed.notebook);
        });
        await t.step({
          name: `${name}: every chart draws in Chromium, exported and with vega-embed`,
          ignore: noChromium,
          async fn() {
            assert.ok(await findChromium(), `Cannot find chromium: ${CHROMIUM_HINT} (CI is set)`);
            assert.ok(executed, "the nbconvert run failed");
            const specs = chartSpecs(executed.notebook);
            assert.ok(specs.length > 0, "no chart in the notebook");
            const shots = Deno.env.get("NOTEBOOK_SCREENSHOTS") ?? work;
            const exported = await screenshotPage(pathToFileURL(html).href, {
              ready: EXPORT_READY,
              boxes: EXPORT_BOXES,
              saveTo: join(shots, `${name}.export.png`),
            });
            assertDrawn(exported, specs.length, `${name}: HTML export`);
            const embedded = await screenshotPage(
              pathToFileURL(await writeEmbedPage(specs, work)).href,
              {
                ready: EMBED_READY,
                boxes: EMBED_BOXES,
                saveTo: join(shots, `${name}.embed.png`),
              },
            );
            assertDrawn(embedded, specs.length, `${name}: vega-embed`);
          },
        });
      } finally {
        await Deno.remove(work, { recursive: true });
      }
    }
  },
});

/** Every box holds a drawing (ink over 2 % of it, several colours) and the console is clean. */
function assertDrawn(shot: PageShot, charts: number, label: string): void {
  const least = Math.min(...shot.boxes.map((b) => b.inked));
  console.log(
    `${label}: ${shot.boxes.length} charts, the least inked ${(least * 100).toFixed(1)} %`,
  );
  assert.deepEqual(shot.errors, [], "the console logged errors");
  assert.equal(shot.boxes.length, charts, JSON.stringify(shot.boxes.map((b) => b.label)));
  for (const box of shot.boxes) {
    assert.ok(box.width > 100 && box.height > 50, `${box.label}: ${box.width}x${box.height}`);
    assert.ok(
      box.inked > 0.02 && box.colours >= 3,
      `${box.label} looks blank: ${(box.inked * 100).toFixed(1)} % inked, ${box.colours} colours`,
    );
  }
}

/**
 * A throwaway notebook in a temp folder, prepared as the README says for a notebook in any folder
 * (`deno task notebook:folder DIR`), so its cells import the toolkit by name.
 */
async function throwawayNotebook(dir: string, cells: string[]): Promise<string> {
  await prepareNotebookFolder(dir);
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "deno", display_name: "Deno", language: "typescript" } },
    cells: [
      { id: "title", cell_type: "markdown", metadata: {}, source: "# Throwaway" },
      ...cells.map((source, i) => ({
        id: `cell-${i}`,
        cell_type: "code",
        metadata: {},
        execution_count: null,
        outputs: [],
        source,
      })),
    ],
  };
  const path = join(dir, "throwaway.ipynb");
  await Deno.writeTextFile(path, JSON.stringify(notebook, null, 1));
  return path;
}

const CHARTS = `${TOOLKIT_IMPORT}/charts/mod.ts`;

const CHART_CELL = `import { analysisInvocationsChart, chartBundle } from "${CHARTS}";
const spec = analysisInvocationsChart({
  series: [
    { time: "2024-05-01T10:00:00Z", invocations: 1200, modelLatencyP95Ms: 8 },
    { time: "2024-05-01T10:01:00Z", invocations: 3300, modelLatencyP95Ms: 30 },
  ],
  maxValue: 3300, upperLimit: 1815, lowerLimit: 1485, upperPercent: 55, lowerPercent: 45,
  crossings: [{ limit: "upper", time: "2024-05-01T10:00:20Z" }],
});
await Deno.jupyter.display(await chartBundle(spec, "Throwaway chart"), { raw: true });`;

const SHOW_CHART_CELL = `import { showChart } from "${CHARTS}";
await showChart(spec, { caption: "Shown with showChart" });`;

async function assertKernelGone(run: NotebookRun): Promise<void> {
  const pid = run.kernel.pid;
  assert.equal(typeof pid, "number", "the report names the kernel's pid");
  await assert.rejects(
    Deno.stat(`/proc/${pid}`),
    Deno.errors.NotFound,
    `kernel ${pid} left running`,
  );
}

Deno.test({
  name: "runNotebook() reports chart bundles, late output and a thrown error per cell",
  ignore,
  async fn() {
    requireTools();
    const dir = await Deno.makeTempDir({ prefix: "notebook-test-" });
    try {
      const path = await throwawayNotebook(dir, [
        "6 * 7",
        CHART_CELL,
        SHOW_CHART_CELL,
        'setTimeout(() => console.log("late line"), 300);\n"scheduled"',
        'throw new RangeError("expected failure from the throwaway notebook")',
        '"after the error"',
        `import { planCapacity } from "${TOOLKIT_IMPORT}";
planCapacity({ maxTps: 500, minTps: 70, upperLimit: 3300 }).maxCapacity`,
      ]);
      const written = join(dir, "executed", "throwaway.ipynb");
      const run = await runNotebook(path, {
        continueOnError: true,
        includeData: true,
        writeTo: written,
      });
      assert.equal(run.exitCode, 1);
      assert.equal(run.ok, false);
      assert.deepEqual(run.failure, {
        kind: "error",
        cell: 5,
        message: "RangeError: expected failure from the throwaway notebook",
      });
      assert.deepEqual(run.cells.map((c) => [c.index, c.status]), [
        [1, "ok"],
        [2, "ok"],
        [3, "ok"],
        [4, "ok"],
        [5, "error"],
        [6, "ok"],
        [7, "ok"],
      ]);
      const [number, chart, shown, timer, thrown, after, toolkit] = run.cells;
      assert.equal(number!.outputs[0]!.text, "42");
      assert.equal(number!.source_head, "6 * 7");

      for (const cell of [chart!, shown!]) {
        assert.equal(cell.outputs.length, 1, JSON.stringify(cell.outputs));
        const display = cell.outputs[0]!;
        assert.equal(display.output_type, "display_data");
        assert.deepEqual(display.mime_types, CHART_MIME_TYPES);
        assert.match(String(display.data!["image/svg+xml"]), /Upper 55 % of 3,300: 1,815/);
        const spec = display.data!["application/vnd.vegalite.v5+json"] as { $schema: string };
        assert.equal(spec.$schema, "https://vega.github.io/schema/vega-lite/v5.json");
      }
      assert.equal(chart!.outputs[0]!.text, "Throwaway chart");
      assert.equal(shown!.outputs[0]!.text, "Shown with showChart");

      assert.deepEqual(
        timer!.outputs.map((o) => [o.output_type, o.text, o.late]),
        [["execute_result", '"scheduled"', false], ["stream", "late line\n", true]],
      );

      const error = thrown!.outputs[0]!;
      assert.equal(error.output_type, "error");
      assert.equal(error.ename, "RangeError");
      assert.equal(error.evalue, "expected failure from the throwaway notebook");
      assert.equal(after!.outputs[0]!.text, '"after the error"');
      // The folder's deno.json lets the notebook import the toolkit by name.
      assert.equal(toolkit!.outputs[0]?.text, "11", JSON.stringify(toolkit!.outputs));

      // Saved with the usual mode (0666 less the umask), not mkstemp's 0600.
      const umask = parseInt(
        new TextDecoder().decode(
          (await new Deno.Command("sh", { args: ["-c", "umask"], stdout: "piped" }).output())
            .stdout,
        ),
        8,
      );
      assert.equal(
        ((await Deno.stat(written)).mode! & 0o777).toString(8),
        (0o666 & ~umask).toString(8),
      );
      const executed = JSON.parse(await Deno.readTextFile(written));
      const codeCells = executed.cells.filter((c: { cell_type: string }) => c.cell_type === "code");
      assert.deepEqual(
        codeCells.map((c: { execution_count: number }) => c.execution_count),
        [1, 2, 3, 4, 5, 6, 7],
      );
      assert.ok("application/vnd.vegalite.v5+json" in codeCells[1].outputs[0].data);
      assert.equal(codeCells[4].outputs[0].output_type, "error");
      await assertKernelGone(run);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "runNotebook() runs in the notebook folder and stops at the first error",
  ignore,
  async fn() {
    requireTools();
    const dir = await Deno.makeTempDir({ prefix: "notebook-test-" });
    try {
      const path = await throwawayNotebook(dir, [
        "Deno.cwd()",
        'Deno.env.get("NO_COLOR") + "," + Deno.env.get("NOTEBOOK_TEST_MARK")',
        "null.boom",
        "2",
      ]);
      const run = await runNotebook(path, { env: { NOTEBOOK_TEST_MARK: "passed through" } });
      assert.equal(run.exitCode, 1);
      assert.deepEqual(run.cells.map((c) => c.status), ["ok", "ok", "error", "not_run"]);
      // The kernel runs in the notebook's folder, with NO_COLOR=1 and the caller's environment.
      assert.equal(run.cells[0]!.outputs[0]!.text, JSON.stringify(dir));
      assert.equal(run.cells[1]!.outputs[0]!.text, '"1,passed through"');
      assert.equal(run.cells[2]!.outputs[0]!.ename, "TypeError");
      assert.deepEqual(run.cells[3]!.outputs, []);
      await assertKernelGone(run);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "runNotebook() reports a cell over its timeout and still stops the kernel",
  ignore,
  async fn() {
    requireTools();
    const dir = await Deno.makeTempDir({ prefix: "notebook-test-" });
    try {
      const path = await throwawayNotebook(dir, [
        "1",
        "await new Promise((resolve) => setTimeout(resolve, 120_000));",
        "2",
      ]);
      const run = await runNotebook(path, { cellTimeoutSeconds: 3 });
      assert.equal(run.exitCode, 1);
      assert.equal(run.failure?.kind, "timeout");
      assert.equal(run.failure?.cell, 2);
      assert.deepEqual(run.cells.map((c) => c.status), ["ok", "timeout", "not_run"]);
      await assertKernelGone(run);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "runNotebook() reports a kernel that exits during a cell",
  ignore,
  async fn() {
    requireTools();
    const dir = await Deno.makeTempDir({ prefix: "notebook-test-" });
    try {
      const path = await throwawayNotebook(dir, ["1", "Deno.exit(3)", "2"]);
      const run = await runNotebook(path);
      assert.equal(run.exitCode, 1);
      assert.equal(run.failure?.kind, "kernel_died");
      assert.equal(run.failure?.cell, 2);
      assert.deepEqual(run.cells.map((c) => c.status), ["ok", "error", "not_run"]);
      await assertKernelGone(run);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
