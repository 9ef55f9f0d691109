/**
 * Checks that a notebook's story agrees with its results: static markdown states no verdict of
 * this run — no sentence that says a policy or an evaluation passed, failed or reached the
 * expectation (only generated markdown may; the original's verdicts may be quoted) — and every
 * verdict the generated markdown or a chart caption states is the one the verdict table printed.
 *
 * @module
 */
import type { NotebookReport } from "./notebook_harness.ts";

/** The part of a `.ipynb` file the check reads. */
export interface NotebookFile {
  cells: { cell_type: string; source: string | string[] }[];
}

/** What a verdict is about: a policy or an evaluation. */
const SUBJECT = /\b(target tracking|step scaling|scheduled scaling|polic(y|ies)|evaluations?)\b/i;

/** Words that state a verdict. */
const VERDICT =
  /\b(passed|failed|passes|fails|PASSED|FAILED|fell short|falls short|succeeded|reached the expectation|reaches the expectation|met the expectation)\b/;

function sourceOf(cell: NotebookFile["cells"][number]): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

/** Sentences of a markdown text (roughly: split at `.`, `!`, `?` and blank lines). */
function sentences(text: string): string[] {
  return text.replace(/`[^`]*`/g, "``").split(/(?<=[.!?])\s+|\n\s*\n/).map((s) =>
    s.replace(/\s+/g, " ").trim()
  ).filter(Boolean);
}

/** Verdicts by `label @ spawn rate`, from the evaluation table the notebook printed. */
export function tableVerdicts(report: Pick<NotebookReport, "cells">): Map<string, string> {
  const verdicts = new Map<string, string>();
  for (const cell of report.cells) {
    for (const output of cell.outputs) {
      const text = output.text ?? "";
      if (!/^policy +spawn rate /m.test(text)) continue;
      for (const line of text.split("\n")) {
        const row = /^(\S.*?) {2,}(\d+(?:\.\d+)?) {2,}.*\b(passed|failed):/.exec(line);
        if (row) verdicts.set(`${row[1]} @ ${row[2]}`, row[3]);
      }
    }
  }
  return verdicts;
}

/**
 * Every contradiction between the notebook's words and its results, one line each; empty when
 * the story holds.
 *
 * @example Usage
 * ```ts
 * import { storyContradictions } from "./notebook_story.ts";
 * import assert from "node:assert/strict";
 * const notebook = { cells: [{ cell_type: "markdown", source: "Target tracking passed." }] };
 * assert.deepEqual(storyContradictions(notebook, { cells: [] }), [
 *   'markdown cell 0 states a verdict of this run: "Target tracking passed."',
 *   "no verdict table in the outputs",
 * ]);
 * ```
 */
export function storyContradictions(
  notebook: NotebookFile,
  report: Pick<NotebookReport, "cells">,
): string[] {
  const out: string[] = [];
  notebook.cells.forEach((cell, i) => {
    if (cell.cell_type !== "markdown") return;
    for (const sentence of sentences(sourceOf(cell))) {
      // A static sentence may quote the original's verdicts; this run's come from its results.
      if (VERDICT.test(sentence) && SUBJECT.test(sentence) && !/\boriginal\b/i.test(sentence)) {
        out.push(`markdown cell ${i} states a verdict of this run: "${sentence}"`);
      }
    }
  });
  const truth = tableVerdicts(report);
  if (truth.size === 0) {
    out.push("no verdict table in the outputs");
    return out;
  }
  const check = (where: string, label: string, rate: string, said: string) => {
    const key = `${label} @ ${rate}`;
    const actual = truth.get(key);
    if (actual === undefined) out.push(`${where} names "${key}", which the table does not`);
    else if (actual !== said) out.push(`${where} says ${key} ${said}; the table says ${actual}`);
  };
  for (const cell of report.cells) {
    for (const output of cell.outputs) {
      const markdown = output.data?.["text/markdown"];
      if (typeof markdown === "string") {
        const where = `the generated markdown of cell ${cell.index}`;
        for (
          const m of markdown.matchAll(
            /\*\*([^*]+)\*\* at (\d+(?:\.\d+)?) users\/min(?::[^*\n]*?this run)? \*\*(passed|failed)\*\*/g,
          )
        ) check(where, m[1], m[2], m[3]);
      }
      const mimes = output.mime_types ?? [];
      if (mimes.some((m) => m.startsWith("application/vnd.vegalite"))) {
        const caption = /^(.+?) at (\d+(?:\.\d+)?) users\/min (passed|failed):/.exec(
          output.text ?? "",
        );
        if (caption) check(`the caption in cell ${cell.index}`, caption[1], caption[2], caption[3]);
      }
      if (output.output_type === "stream") {
        const text = output.text ?? "";
        for (
          const m of text.matchAll(
            /^Evaluation job = \S+, (.+?) at (\d+(?:\.\d+)?) users\/min (passed|failed):/gm,
          )
        ) check(`the output of cell ${cell.index}`, m[1], m[2], m[3]);
      }
    }
  }
  return out;
}
