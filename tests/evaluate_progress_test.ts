// Proves that an evaluation reports its progress on every poll, not only when the job's status
// changes: while the Advanced job stays IN_PROGRESS each poll says the elapsed and remaining time,
// the users of the ramp and the latest minute's requests per second — what a user waiting half an
// hour on AWS sees move — and the last report says it is done.
import assert from "node:assert/strict";
import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
} from "@aws-sdk/client-sagemaker";
import { openLocalCloud } from "../cloud/local/mod.ts";
import { FIXTURE_PROFILE } from "../cloud/local/testdata/recommender_fixture.ts";
import {
  createProfiledEndpoint,
  FIXTURE_IMAGE,
} from "../cloud/local/testdata/profiled_endpoint.ts";
import { type ProgressState, setProgressMode, setProgressRenderer } from "../progress/mod.ts";
import { evaluate } from "../steps/evaluate.ts";

Deno.test("evaluate() reports elapsed, remaining, users and throughput on every poll", async () => {
  const dir = await Deno.makeTempDir({ prefix: "evaluate-progress-" });
  const cloud = openLocalCloud({ localDir: dir });
  const states: ProgressState[] = [];
  setProgressRenderer({ show: (s) => void states.push(s), note() {}, end() {} });
  try {
    const { modelUrl } = await createProfiledEndpoint(cloud, {
      profile: FIXTURE_PROFILE,
      bucket: "progress-models",
    });
    await cloud.sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: "g" }));
    const pkg = await cloud.sagemaker.send(
      new CreateModelPackageCommand({
        ModelPackageGroupName: "g",
        Domain: "MACHINE_LEARNING",
        Task: "OTHER",
        SamplePayloadUrl: modelUrl,
        InferenceSpecification: {
          Containers: [{
            Image: FIXTURE_IMAGE,
            ModelDataUrl: modelUrl,
            Framework: "XGBOOST",
            FrameworkVersion: "1.5-1",
            NearestModelName: "xgboost",
          }],
          SupportedContentTypes: ["text/csv"],
          SupportedResponseMIMETypes: ["text/csv"],
          SupportedRealtimeInferenceInstanceTypes: ["ml.c5.large"],
        },
      }),
    );
    await evaluate(cloud, {
      endpointName: "ep",
      modelPackageArn: pkg.ModelPackageArn!,
      roleArn: cloud.defaultRoleArn!,
      spawnRate: 2,
      durationSeconds: 600,
      maxTps: 1e6, // never reached: the ramp runs its 10 minutes
      policyLabel: "fixed fleet",
    });
  } finally {
    setProgressMode("quiet");
    await cloud.close();
    await Deno.remove(dir, { recursive: true });
  }
  const running = states.filter((s) => s.phase === "fixed fleet: Advanced job IN_PROGRESS");
  assert.ok(running.length >= 8, `one report per poll while IN_PROGRESS, got ${running.length}`);
  for (const [i, s] of running.entries()) {
    if (i === 0) continue;
    assert.ok(s.elapsedMs! > running[i - 1].elapsedMs!, "elapsed time moves");
    assert.ok(s.remainingMs! < running[i - 1].remainingMs!, "remaining time shrinks");
    assert.ok(s.users! >= running[i - 1].users!, "users of the ramp");
  }
  assert.equal(running.at(-1)!.users, 1 + 2 * Math.floor(running.at(-1)!.elapsedMs! / 60_000));
  assert.ok(running.some((s) => s.throughput! > 0), "the latest minute's requests per second");
  assert.match(states.at(-1)!.phase, /COMPLETED$/);
  assert.equal(states.at(-1)!.remainingMs, 0);
});
