// Proves the local InvokeEndpoint: its predictions are the bytes real XGBoost 1.7 gives (as the
// container formats them) for the endpoint's own model.tar.gz; a bad payload is the container's
// 4xx as a ModelError; a missing endpoint, or one with nothing in service, is a ValidationError;
// every call the container answers counts into that endpoint's recorded traffic at the simulated
// clock; and the command serializes through the real SageMaker Runtime client.
import assert from "node:assert/strict";
import { DeleteEndpointCommand } from "@aws-sdk/client-sagemaker";
import {
  InvokeEndpointCommand,
  ModelError,
  SageMakerRuntimeClient,
} from "@aws-sdk/client-sagemaker-runtime";
import { GetMetricStatisticsCommand } from "@aws-sdk/client-cloudwatch";
import { openLocalCloud } from "../mod.ts";
import { openAwsCloud } from "../../aws.ts";
import { recordedTraffic } from "../sagemaker/mod.ts";
import { randomDataset, trainTestSplit } from "../../../model/dataset.ts";
import { trainClassifier } from "../../../model/train.ts";
import { stringifyXGBoostModel } from "../../../model/xgboost_json.ts";
import { modelTarball } from "../../../model/tarball.ts";
import { samplePayloadCsv } from "../../../model/payload.ts";
import { runPython } from "../../../model/_python.ts";
import { skipWithout } from "../../../scripts/packages.ts";
import { startAwsRecorder } from "../../../tests/aws_recorder.ts";
import { createFixtureEndpoint } from "../testdata/profiled_endpoint.ts";

const FEATURES = 8;
const { train, test } = trainTestSplit(
  randomDataset({ samples: 1000, features: FEATURES, seed: 3 }),
);
const MODEL_JSON = stringifyXGBoostModel(trainClassifier(train, { rounds: 12 }).model);
const PAYLOAD = samplePayloadCsv(test);

type Local = ReturnType<typeof openLocalCloud>;

/** A local cloud with endpoint "ep" (Creating) serving the model above; `fn` runs on it. */
async function withEndpoint(fn: (cloud: Local) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "runtime-" });
  const cloud = openLocalCloud({ localDir: dir });
  try {
    await createFixtureEndpoint(cloud, {
      bucket: "models-bucket",
      body: await modelTarball(MODEL_JSON),
      image: "xgboost",
    });
    await fn(cloud);
  } finally {
    await cloud.close();
    await Deno.remove(dir, { recursive: true });
  }
}

async function inService(cloud: Local): Promise<void> {
  await cloud.clock.sleep(cloud.settings.endpointCreateSeconds * 1000);
}

function invoke(body: string, options: { contentType?: string; endpoint?: string } = {}) {
  return new InvokeEndpointCommand({
    EndpointName: options.endpoint ?? "ep",
    Body: new TextEncoder().encode(body),
    ...(options.contentType === undefined && "contentType" in options
      ? {}
      : { ContentType: options.contentType ?? "text/csv" }),
  });
}

Deno.test("InvokeEndpoint answers with the bytes real XGBoost gives for the endpoint's model", {
  ignore: await skipWithout("python3-xgboost", "python3-numpy"),
}, async () => {
  const dir = await Deno.makeTempDir({ prefix: "runtime-xgb-" });
  try {
    await Deno.writeTextFile(`${dir}/xgboost-model`, MODEL_JSON);
    // As the container does: CSV rows to float32, Booster.predict, str() of each joined by ",".
    const real = await runPython(
      [
        "import sys, io, numpy as np, xgboost as xgb",
        "x = np.loadtxt(io.StringIO(sys.stdin.read()), delimiter=',', dtype=np.float32, ndmin=2)",
        "b = xgb.Booster()",
        `b.load_model(${JSON.stringify(`${dir}/xgboost-model`)})`,
        "p = b.predict(xgb.DMatrix(x), validate_features=False)",
        "sys.stdout.write(','.join(map(str, p.tolist())))",
      ].join("\n"),
      PAYLOAD,
      ["numpy", "xgboost"],
    );
    if (real === null) return;
    await withEndpoint(async (cloud) => {
      await inService(cloud);
      const out = await cloud.runtime.send(invoke(PAYLOAD));
      assert.equal(out.InvokedProductionVariant, "AllTraffic");
      assert.match(out.ContentType ?? "", /^text\/csv/);
      const text = out.Body.transformToString();
      assert.equal(text.split(",").length, test.rows);
      assert.equal(text, real);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a payload the container refuses is a ModelError with the container's 4xx", async () => {
  await withEndpoint(async (cloud) => {
    await inService(cloud);
    const cases: { body: string; contentType?: string; status: number; says: RegExp }[] = [
      { body: "1,2,3", status: 400, says: /feature/i },
      { body: "1,2,x,4,5,6,7,8", status: 415, says: /./ },
      { body: PAYLOAD, contentType: "application/json", status: 415, says: /text\/csv/ },
      { body: PAYLOAD, contentType: undefined, status: 415, says: /Content-Type is missing/ },
    ];
    for (const c of cases) {
      const command = "contentType" in c
        ? invoke(c.body, { contentType: c.contentType })
        : invoke(c.body);
      await assert.rejects(cloud.runtime.send(command), (error: unknown) => {
        assert.ok(error instanceof ModelError, `${c.body.slice(0, 20)}: ${error}`);
        assert.equal(error.name, "ModelError");
        assert.equal(error.$metadata.httpStatusCode, 424);
        assert.equal(error.OriginalStatusCode, c.status);
        assert.match(error.OriginalMessage ?? "", c.says);
        assert.match(
          error.message,
          new RegExp(`^Received client error \\(${c.status}\\) from primary with message "`),
        );
        assert.match(error.message, /in account 000000000000 for more information\.$/);
        assert.equal(
          error.LogStreamArn,
          "arn:aws:logs:us-east-1:000000000000:log-group:/aws/sagemaker/Endpoints/ep",
        );
        return true;
      });
    }
  });
});

Deno.test("a missing endpoint, or one with no instance in service, is a ValidationError", async () => {
  await withEndpoint(async (cloud) => {
    const notFound = {
      name: "ValidationError",
      message: "Endpoint ep of account 000000000000 not found.",
    };
    await assert.rejects(cloud.runtime.send(invoke(PAYLOAD)), notFound); // still Creating
    await assert.rejects(cloud.runtime.send(invoke(PAYLOAD, { endpoint: "nope" })), {
      name: "ValidationError",
      message: "Endpoint nope of account 000000000000 not found.",
    });
    await assert.rejects(cloud.runtime.send(invoke(PAYLOAD, { endpoint: "-bad" })), {
      name: "ValidationError",
      message: /^1 validation error detected: Value '-bad' at 'endpointName'/,
    });
    await inService(cloud);
    await assert.rejects(
      cloud.runtime.send(invoke("1,".repeat(3_200_000))),
      { name: "ValidationError", message: /at 'body' .*less than or equal to 6291456/ },
    );
    await cloud.runtime.send(invoke(PAYLOAD));
    await cloud.sagemaker.send(new DeleteEndpointCommand({ EndpointName: "ep" }));
    await assert.rejects(cloud.runtime.send(invoke(PAYLOAD)), notFound); // Deleting
  });
});

Deno.test("every answered call counts into the endpoint's traffic at the simulated clock", async () => {
  await withEndpoint(async (cloud) => {
    await inService(cloud);
    const first = cloud.clock.now().getTime();
    for (let i = 0; i < 5; i++) await cloud.runtime.send(invoke(PAYLOAD));
    await assert.rejects(cloud.runtime.send(invoke("1,2")), { name: "ModelError" });
    await cloud.clock.sleep(60_000);
    await cloud.runtime.send(invoke(PAYLOAD));
    await assert.rejects(cloud.runtime.send(invoke(PAYLOAD, { endpoint: "nope" })));
    const minutes = recordedTraffic(cloud.context, "ep", { from: 0, to: Infinity });
    const minuteOf = (t: number) => Math.floor(t / 60_000) * 60_000;
    assert.deepEqual(
      minutes.map((m) => ({
        minute: m.minute,
        count: m.count,
        errors: m.errors,
        v: m.VariantName,
      })),
      [
        { minute: minuteOf(first), count: 6, errors: 1, v: "AllTraffic" },
        { minute: minuteOf(first + 60_000), count: 1, errors: 0, v: "AllTraffic" },
      ],
    );
    assert.equal(minutes[0].latencyCount, 5);
    assert.ok(minutes[0].latencySumMs >= 0);
  });
});

Deno.test("the calls are the endpoint's Invocations and Invocation4XXErrors in CloudWatch", async () => {
  await withEndpoint(async (cloud) => {
    await inService(cloud);
    await cloud.clock.sleep(60_000 - (cloud.clock.now().getTime() % 60_000) + 1_000);
    const minute = Math.floor(cloud.clock.now().getTime() / 60_000) * 60_000;
    for (let i = 0; i < 7; i++) await cloud.runtime.send(invoke(PAYLOAD));
    await assert.rejects(cloud.runtime.send(invoke("1,2")), { name: "ModelError" });
    await cloud.clock.sleep(10 * 60_000); // past the minute and CloudWatch's delivery delay
    const sum = async (metricName: string) => {
      const out = await cloud.cloudwatch.send(
        new GetMetricStatisticsCommand({
          Namespace: "AWS/SageMaker",
          MetricName: metricName,
          Dimensions: [
            { Name: "EndpointName", Value: "ep" },
            { Name: "VariantName", Value: "AllTraffic" },
          ],
          StartTime: new Date(minute),
          EndTime: new Date(minute + 60_000),
          Period: 60,
          Statistics: ["Sum"],
        }),
      );
      return out.Datapoints?.map((d) => d.Sum);
    };
    assert.deepEqual(await sum("Invocations"), [8]);
    assert.deepEqual(await sum("Invocation4XXErrors"), [1]);
  });
});

Deno.test("InvokeEndpoint serializes through the real SageMaker Runtime client", async () => {
  const recorder = startAwsRecorder();
  const credentials = { accessKeyId: "AKIAFAKEFAKEFAKEFAKE", secretAccessKey: "fake-secret" };
  const client = new SageMakerRuntimeClient({
    region: "us-east-1",
    endpoint: recorder.url,
    credentials,
    maxAttempts: 1,
  });
  const cloud = await openAwsCloud({
    region: "us-east-1",
    endpointUrl: recorder.url,
    maxAttempts: 1,
  });
  try {
    assert.ok(
      cloud.runtime instanceof SageMakerRuntimeClient,
      "the AWS backend's runtime is the real client",
    );
    await client.send(
      new InvokeEndpointCommand({
        EndpointName: "ep",
        Body: new TextEncoder().encode(PAYLOAD),
        ContentType: "text/csv",
        Accept: "text/csv",
        TargetVariant: "AllTraffic",
      }),
    );
    const [request] = recorder.requests;
    assert.equal(recorder.requests.length, 1);
    assert.equal(request.method, "POST");
    assert.equal(request.path, "/endpoints/ep/invocations");
    assert.equal(request.headers["content-type"], "text/csv");
    assert.equal(request.headers["accept"], "text/csv");
    assert.equal(request.headers["x-amzn-sagemaker-target-variant"], "AllTraffic");
    assert.equal(new TextDecoder().decode(request.body), PAYLOAD);
  } finally {
    client.destroy();
    await cloud.close();
    await recorder.close();
  }
});
