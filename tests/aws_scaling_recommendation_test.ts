// Proves AWS's answer beside ours: the sweep asks the backend for
// GetScalingConfigurationRecommendation of the recommend result's job, scores it like any candidate
// and prints it next to the chosen one (or one line saying why it is missing); and the local
// response serializes through the real SageMaker SDK client both ways (request on the wire, the
// response parsed back unchanged), with a saved response applying through `scale --from`'s reader.
import {
  GetScalingConfigurationRecommendationCommand,
  type GetScalingConfigurationRecommendationResponse,
  SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import assert from "node:assert/strict";
import {
  completedDefaultJob,
  type RecommenderFixture,
  withRecommender,
} from "../cloud/local/testdata/recommender_fixture.ts";
import type { Cloud } from "../cloud/types.ts";
import { renderSweep, sweep } from "../steps/sweep.ts";
import { configFromInputs } from "../steps/scale.ts";
import { scalingRequests } from "../steps/scaling_requests.ts";
import type { CapacityProfile } from "../sim/profile.ts";

const profile: CapacityProfile = JSON.parse(
  await Deno.readTextFile(new URL("./fixtures/capacity_profile.json", import.meta.url)),
);

const cloudOf = (f: RecommenderFixture) => () =>
  Promise.resolve({ backend: "local", sagemaker: f.sm } as unknown as Cloud);

Deno.test("sweep scores the backend's scaling recommendation beside its choice", async () => {
  await withRecommender(async (f) => {
    completedDefaultJob(f, { name: "rec", instanceType: profile.instanceType });
    const report = await sweep({
      profile,
      patterns: ["spike"],
      cloud: cloudOf(f),
      recommendationJobName: "rec",
    });
    assert.ok(report.aws !== undefined && "config" in report.aws, JSON.stringify(report.aws));
    const aws = report.aws;
    assert.equal(aws.jobName, "rec");
    assert.equal(aws.response.DynamicScalingConfiguration?.MaxCapacity, aws.config.maxCapacity);
    // Scored like any candidate: it is the last candidate and has a result per pattern.
    assert.equal(aws.candidate, report.candidates.length - 1);
    assert.deepEqual(report.candidates[aws.candidate].config, aws.config);
    assert.deepEqual(
      aws.scores,
      report.results.filter((r) => r.candidate === aws.candidate),
    );
    assert.equal(aws.scores.length, 1);
    assert.ok(aws.scores[0].cost > 0);
    const line = renderSweep(report).split("\n").find((l) => l.startsWith("AWS recommendation"));
    assert.match(line!, /^AWS recommendation \(rec\): min 1 max 2, invocations 1500 \+ cpu 50: \$/);
    assert.match(line!, /chosen: \$/);

    // A job the backend does not know: one line saying why, not an error.
    const missing = await sweep({
      profile,
      patterns: ["spike"],
      cloud: cloudOf(f),
      recommendationJobName: "gone",
    });
    assert.ok(missing.aws !== undefined && "missing" in missing.aws);
    assert.match(missing.aws.missing, /ResourceNotFound/);
    const text = renderSweep(missing);
    assert.match(
      text,
      /\nAWS recommendation: missing \(GetScalingConfigurationRecommendation for job gone failed: ResourceNotFound: [^\n]*\)$/,
    );
    assert.equal(missing.candidates.length, report.candidates.length - 1);
  });
});

Deno.test("GetScalingConfigurationRecommendation serializes through the real SDK client both ways", async () => {
  await withRecommender(async (f) => {
    completedDefaultJob(f, { name: "rec", instanceType: profile.instanceType });
    const input = {
      InferenceRecommendationsJobName: "rec",
      EndpointName: "ir-rec",
      TargetCpuUtilizationPerCore: 40,
      ScalingPolicyObjective: { MinInvocationsPerMinute: 1000, MaxInvocationsPerMinute: 12000 },
    };
    const local = await f.sm.send(new GetScalingConfigurationRecommendationCommand(input));
    const { $metadata: _, ...body } = local as GetScalingConfigurationRecommendationResponse & {
      $metadata?: unknown;
    };
    // A stand-in AWS endpoint that records the request and answers with the local response.
    const seen: { target?: string; json?: unknown } = {};
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
      seen.target = req.headers.get("x-amz-target") ?? undefined;
      seen.json = await req.json();
      return new Response(JSON.stringify(body), {
        headers: { "content-type": "application/x-amz-json-1.1" },
      });
    });
    try {
      const client = new SageMakerClient({
        region: "us-east-1",
        endpoint: `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}`,
        credentials: { accessKeyId: "AKIAFAKEFAKEFAKEFAKE", secretAccessKey: "fake-secret" },
        maxAttempts: 1,
      });
      const parsed = await client.send(new GetScalingConfigurationRecommendationCommand(input));
      client.destroy();
      assert.equal(seen.target, "SageMaker.GetScalingConfigurationRecommendation");
      assert.deepEqual(seen.json, input);
      const { $metadata: __, ...fromWire } = parsed;
      assert.deepEqual(fromWire, body, "the SDK parses the local response unchanged");
      // A saved response is what `scale --from` reads: it converts to the requests scale sends.
      const config = configFromInputs(JSON.parse(JSON.stringify(fromWire)), {
        instanceType: profile.instanceType,
      })!;
      const requests = scalingRequests({ endpointName: "ep", variantName: "AllTraffic" }, config);
      assert.equal(requests.target.MinCapacity, fromWire.DynamicScalingConfiguration?.MinCapacity);
      assert.equal(requests.target.MaxCapacity, fromWire.DynamicScalingConfiguration?.MaxCapacity);
      assert.deepEqual(
        requests.targetTracking.map((p) => p.TargetTrackingScalingPolicyConfiguration?.TargetValue),
        fromWire.DynamicScalingConfiguration?.ScalingPolicies?.map((p) =>
          p.TargetTracking?.TargetValue
        ),
      );
    } finally {
      await server.shutdown();
    }
  });
});
