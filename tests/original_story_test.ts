// Proves that with the `original` capacity profile the story holds run to run: two runs of the
// `walkthrough` script (`--local-profile original`, each in its own temp store, the second's
// simulated clock moved 37 minutes on, so that neither the minute nor the hour of the start
// matters) give the same numbers — the plan, and per evaluation the peak, the
// minutes to the expectation, the instance-minutes, the worst P95, the verdict with its margin and
// the per-minute series — and the notebook run with `SCALING_LOCAL_PROFILE=original` prints the
// same analysis, plan, verdicts and closing table as the walkthrough.
import assert from "node:assert/strict";
import { join } from "node:path";
import { Store } from "../cloud/local/kernel/store/mod.ts";
import { denoChildEnv } from "../machine/children.ts";
import type { EvaluateResult, WalkthroughResult } from "../steps/types.ts";
import { verdictText } from "../steps/verdict.ts";
import { evaluationTable } from "../steps/walkthrough.ts";
import { notebookToolsMissing, REPO_ROOT, runNotebook } from "./notebook_harness.ts";

const NOTEBOOK = join(REPO_ROOT, "notebooks", "optimize_endpoint_scaling.ipynb");

async function walkthroughRun(dir: string, startLaterMinutes = 0): Promise<WalkthroughResult> {
  if (startLaterMinutes > 0) {
    // The clock starts at the store's creation (rounded to the minute): start this one later.
    const store = Store.open(join(dir, "state"));
    const now = Number(store.getMeta("clock"));
    store.tx(() => store.setMeta("clock", String(now + startLaterMinutes * 60_000)));
    store.close();
  }
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      join(REPO_ROOT, "steps", "walkthrough.ts"),
      "--local-profile",
      "original",
      "--local-dir",
      join(dir, "state"),
      "--out",
      join(dir, "charts"),
      "--json",
      "--quiet",
    ],
    stdout: "piped",
    stderr: "piped",
    env: denoChildEnv({ NO_COLOR: "1" }),
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, `walkthrough --local-profile original failed: ${stderr}`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/** Every number of a walkthrough that must not change between runs (not names, not times). */
function numbers(r: WalkthroughResult) {
  const evaluation = (e: EvaluateResult) => ({
    policy: e.policyLabel,
    spawnRate: e.spawnRate,
    expectation: e.expectation,
    peak: e.maxInvocationsRealized,
    minutesToExpectation: e.minutesToExpectation,
    instanceMinutes: e.instanceMinutes,
    worstP95Ms: e.worstP95Ms,
    verdict: verdictText(e),
    invocations: e.series.map((p) => p.invocations),
    instancesInService: e.series.map((p) => p.instancesInService),
    desired: e.activities.map((a) => a.description),
  });
  return {
    analysis: [r.analysis.maxValue, r.analysis.upperLimit, r.analysis.lowerLimit],
    plan: {
      maxTps: r.plan.maxTps,
      minTps: r.plan.minTps,
      minCapacity: r.plan.minCapacity,
      maxCapacity: r.plan.maxCapacity,
      invocationsPerInstance: r.plan.invocationsPerInstance,
    },
    evaluations: r.evaluations.map(evaluation),
  };
}

const missing = await notebookToolsMissing();
if (missing !== undefined) console.warn(`notebook half of original_story_test skipped: ${missing}`);

Deno.test("--local-profile original: the walkthrough twice and the notebook give the same numbers", async () => {
  const work = await Deno.makeTempDir({ prefix: "original-story-" });
  try {
    // Separate stores and processes, run side by side (with a profile nothing is benchmarked).
    const [first, second, notebook] = await Promise.all([
      walkthroughRun(join(work, "a")),
      walkthroughRun(join(work, "b"), 37),
      missing === undefined
        ? runNotebook(NOTEBOOK, {
          env: {
            SCALING_LOCAL_DIR: join(work, "notebook-state"),
            SCALING_LOCAL_PROFILE: "original",
          },
        })
        : Promise.resolve(undefined),
    ]);
    const expected = numbers(first);
    assert.deepEqual(numbers(second), expected);
    const start = (r: WalkthroughResult) => Date.parse(r.evaluations[0].series[0].time);
    // 37 minutes later (38 when the two stores were created either side of a minute).
    const later = (start(second) - start(first)) / 60_000;
    assert.ok(later === 37 || later === 38, `the second run started ${later} minutes later`);
    // Nothing was benchmarked, so the machine was not taken (no machine record).
    assert.equal(first.recommendation.machine, undefined);
    // The story the profile tells is one that scales: 3 evaluations on a 2 to 8 plan.
    assert.equal(expected.evaluations.length, 3);
    assert.deepEqual([expected.plan.minCapacity, expected.plan.maxCapacity], [2, 8]);

    if (notebook === undefined) return;
    assert.equal(notebook.failure, null, notebook.stderr);
    const stdout = notebook.cells.flatMap((c) =>
      c.outputs.filter((o) => o.output_type === "stream" && o.name === "stdout").map((o) =>
        o.text ?? ""
      )
    ).join("");
    assert.match(stdout, /profile=original/);
    const { analysis, plan } = first;
    assert.ok(
      stdout.includes(
        `max invocations/min ${analysis.maxValue}, upper limit ${analysis.upperLimit}, lower limit ${analysis.lowerLimit}\n`,
      ),
      stdout,
    );
    assert.ok(
      stdout.includes(
        `Scaling configuration: MaxCapacity = ${plan.maxCapacity}, MinCapacity = ${plan.minCapacity}, InvocationsPerInstance = ${plan.invocationsPerInstance}\n`,
      ),
      stdout,
    );
    const verdicts = [...stdout.matchAll(/^Evaluation job = [^,]+, (.+)$/gm)].map((m) => m[1]);
    assert.deepEqual(
      verdicts,
      first.evaluations.map((e) =>
        `${e.policyLabel} at ${e.spawnRate} users/min ${verdictText(e)}`
      ),
    );
    // The closing table: peaks, minutes to expectation, instance-minutes, worst P95, verdicts.
    assert.ok(stdout.includes(`${evaluationTable(first.evaluations)}\n`), stdout);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});
