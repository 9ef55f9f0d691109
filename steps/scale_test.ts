// Proves that `scale --from prepared.json --from sweep.json` applies the configuration the sweep
// chose (`chosen.config`: its MinCapacity, MaxCapacity and every policy, as scored), and that a
// flag for the capacity wins over it.
import { runTaskScript } from "../tests/testdata/run_task_script.ts";
import assert from "node:assert/strict";
import { DescribeScalableTargetsCommand } from "@aws-sdk/client-application-auto-scaling";
import { openCloud } from "../cloud/open.ts";
import { ORIGINAL_PROFILE } from "../sim/profiles/original.ts";
import { prepare } from "./prepare.ts";
import { sweep } from "./sweep.ts";
import type { ScaleResult } from "./types.ts";

function runScale(args: string[], cwd: string) {
  return runTaskScript("steps/scale.ts", { args: ["--local-dir", "local", ...args], cwd });
}

Deno.test("scale --from sweep.json applies the sweep's chosen configuration", async () => {
  const dir = await Deno.makeTempDir({ prefix: "scale-sweep-" });
  try {
    const cloud = await openCloud({ localDir: `${dir}/local` });
    const prepared = await prepare(cloud, {
      roleArn: cloud.defaultRoleArn!,
      workDir: `${dir}/work`,
    });
    await cloud.close();
    await Deno.writeTextFile(`${dir}/prepared.json`, JSON.stringify(prepared));
    const report = await sweep({ profile: ORIGINAL_PROFILE, patterns: ["spike"] });
    await Deno.writeTextFile(`${dir}/sweep.json`, JSON.stringify(report));
    const chosen = report.chosen.config;
    const policies = (chosen.targetTracking?.length ?? 0) + (chosen.stepScaling?.length ?? 0);
    assert.ok(policies > 0, "the sweep chose no policy");

    const maxCapacity = chosen.maxCapacity + 1;
    const applied = await runScale(
      [
        "--from",
        "prepared.json",
        "--from",
        "sweep.json",
        "--max-capacity",
        String(maxCapacity),
        "--json",
      ],
      dir,
    );
    assert.equal(applied.code, 0, applied.lines.join("\n"));
    const result = JSON.parse(applied.stdout) as ScaleResult;
    assert.deepEqual(result.config, {
      instanceType: chosen.instanceType,
      minCapacity: chosen.minCapacity,
      maxCapacity,
      label: chosen.label,
      targetTracking: chosen.targetTracking ?? [],
      stepScaling: chosen.stepScaling ?? [],
      scheduledActions: chosen.scheduledActions ?? [],
    });
    assert.equal(result.policies.length, policies);
    assert.deepEqual(
      result.policies.map((p) => p.type).sort(),
      [
        ...(chosen.stepScaling ?? []).map(() => "StepScaling"),
        ...(chosen.targetTracking ?? []).map(() => "TargetTrackingScaling"),
      ].sort(),
    );

    // What the backend holds: the scalable target between the choice's MinCapacity and the flag's max.
    const after = await openCloud({ localDir: `${dir}/local` });
    try {
      const targets = await after.autoscaling.send(
        new DescribeScalableTargetsCommand({ ServiceNamespace: "sagemaker" }),
      );
      assert.deepEqual(
        targets.ScalableTargets?.map((t) => [t.ResourceId, t.MinCapacity, t.MaxCapacity]),
        [[
          `endpoint/${result.endpointName}/variant/${result.variantName}`,
          chosen.minCapacity,
          maxCapacity,
        ]],
      );
    } finally {
      await after.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
