/**
 * What each notebook must show beyond running without an error: its charts (one bundle each:
 * Vega-Lite v5 + SVG + caption) and its results. Used by `notebook_test.ts`, which runs every
 * notebook once.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { NotebookRun } from "./notebook_harness.ts";
import { type NotebookFile, storyContradictions } from "./notebook_story.ts";

function chartCaptions(run: NotebookRun): string[] {
  const captions: string[] = [];
  for (const cell of run.cells) {
    for (const output of cell.outputs) {
      // Charts only: the story's markdown and the progress display are display_data too.
      if (output.output_type !== "display_data") continue;
      if (!output.mime_types?.some((m) => m.startsWith("application/vnd.vegalite"))) continue;
      assert.deepEqual(
        output.mime_types,
        ["application/vnd.vegalite.v5+json", "image/svg+xml", "text/plain"],
        `cell ${cell.index}: a chart bundle has the three MIME types`,
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

/** Checks by notebook file name. */
export const NOTEBOOK_CHECKS: Record<string, (run: NotebookRun) => void> = {
  "optimize_endpoint_scaling.ipynb"(run) {
    const captions = chartCaptions(run);
    const expect = [
      /^Benchmark of one instance: peak \d+ invocations\/min/,
      /^Utilization of one instance/,
      /^target tracking at 1 users\/min (passed|failed): /,
      /^target tracking x1\.3 at 3 users\/min (passed|failed): /,
      /^step scaling at 3 users\/min (passed|failed): /,
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
};
