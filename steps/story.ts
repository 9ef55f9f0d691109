/**
 * The notebook's story, written from the results: every sentence that states a result (a verdict,
 * a capacity, which policy was faster) is generated here from the step results, so the markdown
 * can never contradict the numbers printed above it. In the Deno Jupyter kernel a
 * {@linkcode markdown} value displays as `text/markdown`; elsewhere it prints as plain text.
 *
 * @module
 */
import type { AnalyzeResult, EvaluateResult, PlanResult } from "./types.ts";
import { verdictText } from "./verdict.ts";
import { LOCAL_EXPECTATION_SATURATED_INSTANCES } from "./walkthrough.ts";

/** Markdown that the Deno Jupyter kernel displays as `text/markdown` (the cell's last value). */
export interface Markdown {
  /** The markdown source. */
  readonly text: string;
  /** Plain text (scripts, `console.log`). */
  toString(): string;
}

/**
 * Wraps markdown so that, as a cell's last expression, the kernel shows it rendered.
 *
 * @example Usage
 * ```ts
 * import { markdown } from "./story.ts";
 * import assert from "node:assert/strict";
 * const m = markdown("**passed**") as unknown as Record<symbol, () => Record<string, string>>;
 * assert.deepEqual(m[Symbol.for("Jupyter.display")](), { "text/markdown": "**passed**", "text/plain": "**passed**" });
 * ```
 */
export function markdown(text: string): Markdown {
  return {
    text,
    toString: () => text,
    // The kernel's display protocol: the MIME bundle of a cell's last value.
    [Symbol.for("Jupyter.display")]: () => ({ "text/markdown": text, "text/plain": text }),
  } as Markdown;
}

function n(x: number): string {
  return Math.round(x).toLocaleString("en-US");
}

/**
 * What the plan means for this run: the measured maximum, the expectation (and, on the local
 * backend, why it is 3.5 x that maximum) and the capacities.
 *
 * @example Usage
 * ```ts
 * import { planStory } from "./story.ts";
 * import assert from "node:assert/strict";
 * const text = planStory(
 *   { maxValue: 6000, upperLimit: 3300, upperPercent: 55 } as never,
 *   { maxTps: 350, minTps: 70, minCapacity: 2, maxCapacity: 8, costPerHourAtMin: 0.204, costPerHourAtMax: 0.816 } as never,
 *   { backend: "local" },
 * ).text;
 * assert.match(text, /6,000 invocations per minute/);
 * assert.ok(text.includes("MinCapacity **2**, MaxCapacity **8**"));
 * ```
 */
export function planStory(
  analysis: Pick<AnalyzeResult, "maxValue" | "upperLimit" | "upperPercent">,
  plan: PlanResult,
  options: { backend: "local" | "aws" },
): Markdown {
  const perInstanceTps = analysis.upperLimit / 60;
  const lines = [
    `One instance carried at most **${n(analysis.maxValue)} invocations per minute** ` +
    `(${n(analysis.maxValue / 60)} TPS); its upper limit (${analysis.upperPercent} %) is ` +
    `${n(analysis.upperLimit)} per minute, ${n(perInstanceTps)} TPS.`,
  ];
  if (options.backend === "local") {
    const ratio = plan.maxTps / perInstanceTps;
    lines.push(
      "",
      `Expectation: **max ${n(plan.maxTps)} TPS** (${
        n(plan.maxTps * 60)
      } invocations per minute, ` +
        `${LOCAL_EXPECTATION_SATURATED_INSTANCES} x the measured maximum) and min ${
          n(plan.minTps)
        } TPS. ` +
        (ratio < 1.5
          ? "That fits on about one instance, so the evaluations will hardly scale."
          : `That is ${
            ratio.toFixed(1)
          } instances at the upper limit, so the evaluations must scale.`),
    );
  } else {
    lines.push(
      "",
      `Expectation: **max ${n(plan.maxTps)} TPS** and min ${
        n(plan.minTps)
      } TPS, as in the original.`,
    );
  }
  const cost = plan.costPerHourAtMin === undefined || plan.costPerHourAtMax === undefined
    ? ""
    : ` It costs $${plan.costPerHourAtMin.toFixed(3)} to $${
      plan.costPerHourAtMax.toFixed(3)
    } per hour.`;
  lines.push(
    "",
    `Plan: MinCapacity **${plan.minCapacity}**, MaxCapacity **${plan.maxCapacity}**, ` +
      `InvocationsPerInstance target ${n(plan.invocationsPerInstance)}.${cost}`,
  );
  return markdown(lines.join("\n"));
}

/** Users at the end of an evaluation: `1 + spawn rate x minutes` (Inference Recommender's ramp). */
function usersAt(e: EvaluateResult, minutes: number): number {
  return 1 + e.spawnRate * minutes;
}

/** Options of {@linkcode evaluationStory}. */
export interface EvaluationStoryOptions {
  /**
   * Invocations per minute one instance carried at saturation in the benchmark (the analysis'
   * `maxValue`): the yardstick for "capacity-limited"; the run's own busiest minute when absent.
   */
  measuredMaximum?: number;
  /**
   * Length of the ramp in minutes, for "reached after 7 minutes of the 30-minute ramp".
   * @default {the evaluation's rampSeconds / 60}
   */
  rampMinutes?: number;
}

/**
 * One evaluation's verdict with its margin, its timeline and whether the load or the capacity
 * limited it.
 *
 * @example Usage
 * ```ts
 * import { evaluationStory } from "./story.ts";
 * import assert from "node:assert/strict";
 * const t = (m: number) => new Date(Date.UTC(2026, 0, 1, 0, m)).toISOString();
 * const e = {
 *   policyLabel: "target tracking", spawnRate: 1, expectation: 3000, maxInvocationsRealized: 3300,
 *   minutesToExpectation: 2, passed: true, worstP95Ms: 20, reasons: [], stopReason: "MaxInvocations",
 *   series: [1000, 2000, 3300].map((invocations, m) => ({ time: t(m), invocations, instancesInService: 2, desiredInstances: 2 })),
 *   activities: [],
 * };
 * assert.ok(evaluationStory(e as never).text.startsWith("**target tracking** at 1 users/min **passed**: 3,300 of 3,000 expected, +10 %"));
 * ```
 */
export function evaluationStory(
  e: EvaluateResult,
  options: EvaluationStoryOptions = {},
): Markdown {
  const [verdict, ...rest] = verdictText(e).split(": ");
  const last = e.series.at(-1);
  const minutes = e.series.length;
  const rampMinutes = options.rampMinutes ??
    (e.rampSeconds === undefined ? undefined : e.rampSeconds / 60);
  const ramp = rampMinutes === undefined ? "" : ` of the ${rampMinutes}-minute ramp`;
  const parts = [
    `**${e.policyLabel}** at ${e.spawnRate} users/min **${verdict}**: ${rest.join(": ")}` +
    (e.minutesToExpectation === null
      ? `; the expectation was not reached in ${minutes} minutes (${e.stopReason}).`
      : `, reached after ${e.minutesToExpectation} minutes${ramp}.`),
  ];
  if (last !== undefined) {
    const first = e.series[0];
    const counts = e.activities.map((a) => /(\d+)/.exec(a.description)?.[1]).filter(Boolean);
    parts.push(
      `The fleet went from ${first.instancesInService} to ${last.instancesInService} instances ` +
        `in service (${e.activities.length} scaling activit${
          e.activities.length === 1 ? "y" : "ies"
        }${counts.length ? `: desired ${counts.join(" → ")}` : ""}), ` +
        `${e.instanceMinutes} instance-minutes in all; worst P95 ${
          e.worstP95Ms === null ? "n/a" : `${e.worstP95Ms.toFixed(1)} ms`
        }.`,
    );
    // Load-limited or capacity-limited: did the instances in service carry what one instance
    // carried in the benchmark (or, without it, the most they carried in this run)?
    const users = usersAt(e, minutes - 1);
    const perInstance = last.invocations / Math.max(1, last.instancesInService);
    const full = options.measuredMaximum ?? Math.max(
      ...e.series.map((p) => p.invocations / Math.max(1, p.instancesInService)),
    );
    const against = options.measuredMaximum === undefined
      ? "the most they carried in this run"
      : "what one instance carried in the benchmark";
    const share = Math.round(100 * perInstance / full);
    parts.push(
      `In the last minute ${users} users gave ${last.instancesInService} instances ` +
        `${n(perInstance)} invocations each, ${share} % of ${against} (${n(full)}): ` +
        (share >= 90
          ? "the instances were full, capacity set the pace."
          : "the instances had room, the load (users) set the pace."),
    );
  }
  if (e.reasons.length > 1) parts.push(`Also: ${e.reasons.slice(1).join("; ")}.`);
  return markdown(parts.join(" "));
}

/**
 * The closing comparison: which evaluations passed, which reached the expectation first and which
 * cost the fewest instance-minutes — every clause from the results.
 *
 * @example Usage
 * ```ts
 * import { comparisonStory } from "./story.ts";
 * import assert from "node:assert/strict";
 * const e = (policyLabel: string, passed: boolean, minutesToExpectation: number | null, instanceMinutes: number) =>
 *   ({ policyLabel, spawnRate: 3, passed, minutesToExpectation, instanceMinutes, expectation: 100,
 *      maxInvocationsRealized: passed ? 120 : 80, series: [], activities: [], reasons: [] });
 * const text = comparisonStory([e("a", true, 20, 90), e("b", true, 12, 70), e("c", false, null, 60)] as never).text;
 * assert.ok(text.includes("**b** at 3 users/min reached the expectation first (12 min)"));
 * assert.ok(text.includes("**c** at 3 users/min **failed**"));
 * ```
 */
export function comparisonStory(evaluations: readonly EvaluateResult[]): Markdown {
  const name = (e: EvaluateResult) => `**${e.policyLabel}** at ${e.spawnRate} users/min`;
  const lines = evaluations.map((e) => {
    const [verdict, ...rest] = verdictText(e).split(": ");
    return `- ${name(e)} **${verdict}**: ${rest.join(": ")}` +
      (e.minutesToExpectation === null ? "" : ` after ${e.minutesToExpectation} min`) +
      `, ${e.instanceMinutes} instance-minutes.`;
  });
  const reached = evaluations.filter((e) => e.minutesToExpectation !== null);
  const summary: string[] = [];
  if (reached.length > 0) {
    const fastest = reached.reduce((
      a,
      b,
    ) => (b.minutesToExpectation! < a.minutesToExpectation! ? b : a));
    summary.push(
      `${name(fastest)} reached the expectation first (${fastest.minutesToExpectation} min).`,
    );
  }
  const failed = evaluations.filter((e) => !e.passed);
  summary.push(
    failed.length === 0
      ? "Every policy held the expectation at its ramp."
      : `${failed.length} of ${evaluations.length} did not: ${
        failed.map((e) => `${e.policyLabel} (${e.reasons[0]})`).join("; ")
      }.`,
  );
  return markdown([...lines, "", summary.join(" ")].join("\n"));
}

/** The original's verdicts, in the walkthrough's order (its text, sections 8c and 8d). */
export const ORIGINAL_VERDICTS: readonly { policyLabel: string; passed: boolean }[] = [
  { policyLabel: "target tracking", passed: true },
  { policyLabel: "target tracking x1.3", passed: false },
  { policyLabel: "step scaling", passed: true },
];

/**
 * This run's verdicts beside the original's, one line each, saying where they agree.
 *
 * @example Usage
 * ```ts
 * import { originalComparisonStory } from "./story.ts";
 * import assert from "node:assert/strict";
 * const text = originalComparisonStory([{ policyLabel: "target tracking", spawnRate: 1, passed: false,
 *   expectation: 100, maxInvocationsRealized: 90, minutesToExpectation: null }] as never).text;
 * assert.ok(text.includes("**target tracking** at 1 users/min: the original passed, this run **failed**"));
 * ```
 */
export function originalComparisonStory(evaluations: readonly EvaluateResult[]): Markdown {
  const lines = evaluations.map((e) => {
    const original = ORIGINAL_VERDICTS.find((o) => o.policyLabel === e.policyLabel);
    const ours = e.passed ? "passed" : "failed";
    if (original === undefined) {
      return `- **${e.policyLabel}** at ${e.spawnRate} users/min: not in the original; this run **${ours}**.`;
    }
    const theirs = original.passed ? "passed" : "failed";
    return `- **${e.policyLabel}** at ${e.spawnRate} users/min: the original ${theirs}, this run **${ours}** (${
      verdictText(e).split(": ").slice(1).join(": ")
    })${theirs === ours ? ", the same verdict." : ", a different verdict."}`;
  });
  const same =
    evaluations.filter((e) =>
      ORIGINAL_VERDICTS.find((o) => o.policyLabel === e.policyLabel)?.passed === e.passed
    ).length;
  return markdown(
    [`${same} of ${evaluations.length} verdicts agree with the original's.`, "", ...lines].join(
      "\n",
    ),
  );
}
