// Proves issue 13.6 on the local backend: a Default job over several instance types measures the
// first on this machine and derives the others by their vCPUs, saying by what factor in each
// profile and in the stop reason; no two types of different sizes report the same throughput.
import { CreateInferenceRecommendationsJobCommand } from "@aws-sdk/client-sagemaker";
import assert from "node:assert/strict";
import { join } from "node:path";
import { openLocalCloud } from "../cloud/local/mod.ts";
import { prepare } from "../steps/prepare.ts";
import { recommend, waitForRecommendationJob } from "../steps/recommend.ts";

Deno.test("a Default job over three types: one measured, two derived x2 and x4", async () => {
  const dir = await Deno.makeTempDir({ prefix: "instance-types-" });
  const cloud = openLocalCloud({
    localDir: dir,
    local: { benchmarkSecondsPerLevel: 1, benchmarkMaxLevels: 5 },
  });
  try {
    const roleArn = cloud.defaultRoleArn!;
    const prepared = await prepare(cloud, { roleArn, workDir: join(dir, "work") });
    // The first job registers the model package; a second job asks for three types.
    const first = await recommend(cloud, { ...prepared, roleArn, pollIntervalMs: 60_000 });
    const types = ["ml.c5.large", "ml.c5.xlarge", "ml.c5.2xlarge"] as const;
    await cloud.sagemaker.send(
      new CreateInferenceRecommendationsJobCommand({
        JobName: "three-types",
        JobType: "Default",
        RoleArn: roleArn,
        InputConfig: {
          ModelPackageVersionArn: first.modelPackageArn,
          ContainerConfig: { SupportedInstanceTypes: [...types] },
        },
      }),
    );
    const job = await waitForRecommendationJob(cloud, "three-types", { pollIntervalMs: 60_000 });
    const byType = new Map(
      (job.InferenceRecommendations ?? []).map((
        r,
      ) => [r.EndpointConfiguration?.InstanceType, r.Metrics!]),
    );
    const base = byType.get("ml.c5.large")!.MaxInvocations!;
    assert.ok(base > 0);
    assert.ok(Math.abs(byType.get("ml.c5.xlarge")!.MaxInvocations! - 2 * base) <= 1);
    assert.ok(Math.abs(byType.get("ml.c5.2xlarge")!.MaxInvocations! - 4 * base) <= 2);
    for (const t of types.slice(1)) {
      const profile = await cloud.capacityProfile({
        modelDataUrl: prepared.modelUrl,
        image: prepared.containerImage,
        instanceType: t,
      });
      assert.match(profile?.measuredOn ?? "", /^derived, not measured: ml\.c5\.large x[24] /);
    }
    const stop = (job as { StopReason?: { Message?: string } }).StopReason?.Message ?? "";
    assert.match(stop, /measured ml\.c5\.large only: ml\.c5\.xlarge derived, not measured/);
  } finally {
    await cloud.close();
    await Deno.remove(dir, { recursive: true });
  }
});
