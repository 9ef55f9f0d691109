// Proves that every AWS command the steps send is one the real SDK clients serialize: a whole
// walkthrough runs on the local backend while each command is also sent, with fake credentials,
// through the real @aws-sdk clients to a local HTTP recorder; each recorded request is checked
// for its operation and key fields (and the spawn rate and FlatInvocations really reach the wire).
import { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { S3Client } from "@aws-sdk/client-s3";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import assert from "node:assert/strict";
import { openLocalCloud } from "../cloud/local/mod.ts";
import { operationName } from "../cloud/local/kernel/dispatch.ts";
import type { Cloud } from "../cloud/types.ts";
import { walkthrough } from "../steps/walkthrough.ts";
import { type RecordedRequest, startAwsRecorder } from "./aws_recorder.ts";

interface Sent {
  service: string;
  operation: string;
  input: Record<string, unknown>;
}

function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => strings(v, out));
  else if (
    value && typeof value === "object" && !(value instanceof Uint8Array) && !(value instanceof Date)
  ) {
    Object.values(value).forEach((v) => strings(v, out));
  }
  return out;
}

Deno.test("every command of a whole walkthrough serializes with the real SDK clients", async () => {
  const recorder = startAwsRecorder();
  const credentials = { accessKeyId: "AKIAFAKEFAKEFAKEFAKE", secretAccessKey: "fake-secret" };
  const config = { region: "us-east-1", endpoint: recorder.url, credentials, maxAttempts: 1 };
  const real = {
    sagemaker: new SageMakerClient(config),
    autoscaling: new ApplicationAutoScalingClient(config),
    cloudwatch: new CloudWatchClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
  };
  const dir = await Deno.makeTempDir({ prefix: "serialization-" });
  const local = openLocalCloud({
    localDir: dir,
    local: { benchmarkSecondsPerLevel: 1, benchmarkMaxLevels: 6 },
  });
  const sent: Sent[] = [];
  const tee = (service: keyof typeof real): Cloud[keyof typeof real] => ({
    async send(command: { input: Record<string, unknown> }) {
      const operation = operationName(command);
      sent.push({ service, operation, input: command.input });
      // A fresh command of the same class with a copy of the input, through the real client.
      const Ctor = command.constructor as new (input: unknown) => never;
      await (real[service] as { send(c: never): Promise<unknown> }).send(
        new Ctor(structuredClone(command.input)),
      )
        .catch(() => {}); // the recorder's canned answers need not parse; the request is what counts
      return (local[service] as { send(c: never): Promise<unknown> }).send(command as never);
    },
  } as never);
  const cloud: Cloud = {
    ...local,
    sagemaker: tee("sagemaker") as Cloud["sagemaker"],
    autoscaling: tee("autoscaling") as Cloud["autoscaling"],
    cloudwatch: tee("cloudwatch") as Cloud["cloudwatch"],
    s3: tee("s3") as Cloud["s3"],
  };
  try {
    // A short scale-in tail (observe's reads go through the real clients too) that ends before the
    // fleet is back at MinCapacity, so the next reset still sends UpdateEndpointWeightsAndCapacities.
    await walkthrough(cloud, { evaluationSeconds: 600, tailMinutes: 5 });
    assert.equal(recorder.requests.length, sent.length, "every command reached the recorder once");
    const operations = new Set(sent.map((s) => s.operation));
    for (
      const op of [
        "PutObject",
        "CreateModelPackageGroup",
        "CreateModelPackage",
        "CreateInferenceRecommendationsJob",
        "DescribeInferenceRecommendationsJob",
        "GetMetricData",
        "CreateModel",
        "CreateEndpointConfig",
        "CreateEndpoint",
        "RegisterScalableTarget",
        "PutScalingPolicy",
        "PutMetricAlarm",
        "DescribeScalingActivities",
        "DescribeScalableTargets",
        "DescribeScalingPolicies",
        "DescribeAlarms",
        "DescribeEndpointConfig",
        "DeregisterScalableTarget",
        "UpdateEndpointWeightsAndCapacities",
        "DeleteEndpoint",
        "DeleteAlarms",
      ]
    ) assert.ok(operations.has(op), `the walkthrough sends ${op}`);
    sent.forEach((s, i) => {
      const request: RecordedRequest = recorder.requests[i];
      const body = new TextDecoder().decode(request.body);
      if (s.service === "s3") {
        assert.ok(
          request.path.includes(String(s.input.Bucket)),
          `${s.operation}: bucket in the path ${request.path}`,
        );
        if (s.input.Key) {
          assert.ok(
            request.path.includes(String(s.input.Key).split("/")[0]),
            `${s.operation}: key in the path`,
          );
        }
        if (s.operation === "PutObject") {
          assert.equal(request.body.length, (s.input.Body as Uint8Array).length);
        }
        return;
      }
      assert.equal(request.operation, s.operation, `request ${i}`);
      assert.match(
        request.headers["authorization"] ?? "",
        /AWS4-HMAC-SHA256 Credential=AKIAFAKEFAKEFAKEFAKE/,
      );
      // Every string of the input is on the wire (JSON or CBOR carry text as UTF-8).
      for (const text of strings(s.input)) {
        assert.ok(
          body.includes(text) || body.includes(JSON.stringify(text).slice(1, -1)),
          `${s.operation}: "${text}" on the wire`,
        );
      }
    });
    // What the original got wrong is right on the wire.
    const advanced = recorder.requests.filter((r) =>
      r.operation === "CreateInferenceRecommendationsJob" && r.json?.JobType === "Advanced"
    );
    assert.deepEqual(
      advanced.map((r) =>
        (r.json as { InputConfig: { TrafficPattern: { Phases: { SpawnRate: number }[] } } })
          .InputConfig.TrafficPattern.Phases[0].SpawnRate
      ),
      [1, 3, 3],
      "each evaluation's spawn rate is sent (the original always sent 2)",
    );
    for (const r of advanced) {
      assert.equal(
        (r.json as { StoppingConditions: { FlatInvocations: string } }).StoppingConditions
          .FlatInvocations,
        "Continue",
      );
      assert.equal(
        (r.json as { InputConfig: { EndpointConfigurations?: unknown } }).InputConfig
          .EndpointConfigurations,
        undefined,
      );
    }
    const stepPolicy = recorder.requests.find((r) =>
      r.operation === "PutScalingPolicy" && r.json?.PolicyType === "StepScaling"
    );
    assert.ok(stepPolicy, "a step-scaling policy is put");
    const alarm = sent.find((s) => s.operation === "PutMetricAlarm");
    assert.ok(
      alarm && (alarm.input.AlarmActions as string[])[0].includes(":scalingPolicy:"),
      "its alarm invokes it",
    );
    const periods = sent.filter((s) => s.operation === "GetMetricData").flatMap((s) =>
      (s.input.MetricDataQueries as { MetricStat: { Period: number } }[]).map((q) =>
        q.MetricStat.Period
      )
    );
    assert.ok(
      periods.length > 0 && periods.every((p) => p === 60),
      "metrics are read per minute (Period 60)",
    );
  } finally {
    await local.close();
    for (const client of Object.values(real)) client.destroy();
    await recorder.close();
    await Deno.remove(dir, { recursive: true });
  }
});
