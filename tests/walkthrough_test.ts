// Proves the end-to-end promises on the local backend: the walkthrough runs from start to
// finish (real Default-job benchmark, three simulated evaluations) and leaves nothing behind; a
// failure injected into each step in turn still ends with cleanup removing everything created
// so far, and the error names the step; no model server or load generator outlives a run.
import assert from "node:assert/strict";
import { openLocalCloud } from "../cloud/local/mod.ts";
import type { Cloud } from "../cloud/types.ts";
import { StepError } from "../steps/errors.ts";
import { evaluationTable, walkthrough } from "../steps/walkthrough.ts";
import { inventory, inventoryLines } from "./_inventory.ts";

const BUCKET = "sagemaker-us-east-1-000000000000";
/** A short benchmark: enough levels for a curve, quick enough to run the walkthrough many times. */
const FAST = { benchmarkSecondsPerLevel: 1, benchmarkMaxLevels: 6 };

function alive(pid: number): boolean {
  try {
    Deno.kill(pid, "SIGCONT");
    return !Deno.readTextFileSync(`/proc/${pid}/stat`).includes(") Z ");
  } catch {
    return false;
  }
}

async function withLocal<T>(
  fn: (cloud: Cloud, pids: number[]) => Promise<T>,
  local = FAST,
): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "walkthrough-" });
  const pids: number[] = [];
  const cloud = openLocalCloud({
    localDir: dir,
    local,
    defaultJob: { onServerStarted: (p) => pids.push(...p), onLoadStarted: (p) => pids.push(p) },
  });
  try {
    return await fn(cloud, pids);
  } finally {
    await cloud.close();
    await Deno.remove(dir, { recursive: true });
    for (const pid of pids) assert.ok(!alive(pid), `process ${pid} outlived the run`);
  }
}

Deno.test("walkthrough() runs the whole recipe offline and leaves no resource behind", async () => {
  await withLocal(async (cloud, pids) => {
    const out = await Deno.makeTempDir({ prefix: "walkthrough-charts-" });
    try {
      const result = await walkthrough(cloud, { outDir: out });
      assert.ok(pids.length >= 2, "a real model server and load generator ran");
      assert.ok(result.analysis.series.length >= 5, "a saturation curve of at least 5 levels");
      assert.deepEqual(
        [result.plan.minCapacity, result.plan.maxCapacity],
        [2, 8],
        "the original's plan shape",
      );
      assert.deepEqual(result.evaluations.map((e) => [e.policyLabel, e.spawnRate]), [
        ["target tracking", 1],
        ["target tracking x1.3", 3],
        ["step scaling", 3],
      ]);
      for (const e of result.evaluations) {
        assert.ok(e.series.length > 0);
        assert.equal(e.series[0].instancesInService, 2, `${e.policyLabel} starts at MinCapacity`);
        assert.ok(e.activities.length > 0, `${e.policyLabel} scaled`);
        assert.ok(e.stopReason.length > 0);
        // The verdict follows from the series, not from a flag.
        assert.equal(
          e.passed,
          e.series.some((p) => p.invocations >= e.expectation) && e.reasons.length === 1,
        );
      }
      // The step policy is driven by its alarm: an activity names that alarm as its cause.
      const step = result.evaluations[2];
      assert.ok(
        step.activities.some((a) => /step-invocations-alarm/.test(a.cause ?? "")),
        `the step alarm scaled: ${step.activities.map((a) => a.cause).join(" | ")}`,
      );
      assert.equal(result.cleanup.failed.length, 0);
      const charts = (await Array.fromAsync(Deno.readDir(out))).map((e) => e.name).filter((n) =>
        n.endsWith(".svg")
      )
        .sort();
      assert.deepEqual(charts, [
        "analysis-invocations.svg",
        "analysis-utilization.svg",
        "evaluation-step-scaling-spawn-3.svg",
        "evaluation-target-tracking-spawn-1.svg",
        "evaluation-target-tracking-x1-3-spawn-3.svg",
        "evaluations-compared.svg",
        "observe-tail-step-scaling-spawn-3.svg",
        "observe-tail-target-tracking-spawn-1.svg",
        "observe-tail-target-tracking-x1-3-spawn-3.svg",
      ]);
      // After each evaluation, its scale-in tail: 45 minutes watched, priced.
      assert.equal(result.tails.length, 3);
      for (const [i, tail] of result.tails.entries()) {
        assert.equal(tail.series.length, 45);
        assert.equal(tail.minCapacity, result.plan.minCapacity);
        assert.ok(Date.parse(tail.start) >= Date.parse(result.evaluations[i].series.at(-1)!.time));
        assert.equal(
          tail.costDollars,
          Math.round(tail.instanceMinutes * result.plan.pricePerHour! / 60 * 10_000) / 10_000,
        );
      }
      assert.match(evaluationTable(result.evaluations), /step scaling +3 /);
      assert.deepEqual(inventoryLines(await inventory(cloud, BUCKET)), [], "nothing left behind");
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  });
});

/** A cloud that fails the `failAt`-th command sent during step `failIn` (1-based), counting per step. */
function faulty(
  cloud: Cloud,
  where: { step: string; failIn?: string; failAt?: number; counts: Map<string, number> },
): Cloud {
  const wrap = <S extends { send: (c: never) => Promise<unknown> }>(sender: S): S => ({
    ...sender,
    send(command: never) {
      const n = (where.counts.get(where.step) ?? 0) + 1;
      where.counts.set(where.step, n);
      if (where.step === where.failIn && n === where.failAt) {
        return Promise.reject(new Error(`injected failure at command ${n} of ${where.step}`));
      }
      return sender.send(command);
    },
  } as S);
  return {
    ...cloud,
    sagemaker: wrap(cloud.sagemaker),
    autoscaling: wrap(cloud.autoscaling),
    cloudwatch: wrap(cloud.cloudwatch),
    s3: wrap(cloud.s3),
    clock: cloud.clock,
    close: () => cloud.close(),
  } as Cloud;
}

Deno.test("walkthrough() cleans up after a failure in each step and names the step", async (t) => {
  // A dry run counts the commands each step sends.
  const dry = { step: "", counts: new Map<string, number>() };
  await withLocal(async (cloud) => {
    await walkthrough(faulty(cloud, dry), {
      evaluationSeconds: 600,
      onStep: (name) => dry.step = name,
    });
  });
  for (const step of ["prepare", "recommend", "analyze", "scale", "evaluate"]) {
    // Fail half-way through the step: after it created something, before it finished.
    const total = dry.counts.get(step) ?? 0;
    assert.ok(total > 0, `${step} sends commands`);
    const failAt = Math.max(1, Math.ceil(total / 2));
    await t.step(`a failure in ${step} (command ${failAt} of ${total})`, async () => {
      await withLocal(async (cloud) => {
        const where = { step: "", failIn: step, failAt, counts: new Map<string, number>() };
        await assert.rejects(
          walkthrough(faulty(cloud, where), {
            evaluationSeconds: 600,
            onStep: (name) => where.step = name,
          }),
          (error: unknown) => {
            assert.ok(error instanceof StepError, String(error));
            assert.equal(error.step, step);
            assert.match(error.message, new RegExp(`^${step}: .*injected failure`));
            return true;
          },
        );
        assert.deepEqual(
          inventoryLines(await inventory(cloud, BUCKET)),
          [],
          `nothing left after a failure in ${step}`,
        );
      });
    });
  }
});
