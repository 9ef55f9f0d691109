import { DescribeScalableTargetsCommand } from "@aws-sdk/client-application-auto-scaling";
import { ListMetricsCommand } from "@aws-sdk/client-cloudwatch";
import { HeadBucketCommand } from "@aws-sdk/client-s3";
import { DescribeEndpointCommand } from "@aws-sdk/client-sagemaker";
import assert from "node:assert/strict";
import { fakeAwsEnv, startAwsRecorder } from "../tests/aws_recorder.ts";
import { openCloud } from "./open.ts";
import { denoChildEnv } from "../machine/children.ts";

Deno.test("openCloud({ backend: 'aws' }) sends real SDK requests to the endpoint URL given", async () => {
  const recorder = startAwsRecorder();
  const saved = Object.keys(fakeAwsEnv()).map((k) => [k, Deno.env.get(k)] as const);
  for (const [k, v] of Object.entries(fakeAwsEnv())) Deno.env.set(k, v);
  const cloud = await openCloud({ backend: "aws", region: "eu-west-1", endpointUrl: recorder.url });
  try {
    assert.equal(cloud.backend, "aws");
    assert.equal(cloud.region, "eu-west-1");
    assert.equal(cloud.defaultRoleArn, undefined);
    await cloud.sagemaker.send(new DescribeEndpointCommand({ EndpointName: "ep-1" })).catch(
      () => {},
    );
    await cloud.autoscaling.send(
      new DescribeScalableTargetsCommand({ ServiceNamespace: "sagemaker" }),
    );
    await cloud.cloudwatch.send(new ListMetricsCommand({ Namespace: "AWS/SageMaker" })).catch(
      () => {},
    );
    await cloud.s3.send(new HeadBucketCommand({ Bucket: "bucket-1" })).catch(() => {});
    const ops = recorder.requests.map((r) => r.operation);
    assert.ok(ops.includes("DescribeEndpoint"), ops.join());
    assert.ok(ops.includes("DescribeScalableTargets"), ops.join());
    assert.ok(ops.includes("ListMetrics"), ops.join());
    const describe = recorder.requests.find((r) => r.operation === "DescribeEndpoint")!;
    assert.deepEqual(describe.json, { EndpointName: "ep-1" });
    assert.match(
      describe.headers["authorization"],
      /Credential=AKIAFAKEFAKEFAKEFAKE\/\d+\/eu-west-1\/sagemaker\//,
    );
    assert.ok(
      recorder.requests.some((r) => r.method === "HEAD"),
      "S3 HeadBucket reached the recorder",
    );
    const wall = Date.now();
    assert.ok(
      Math.abs(cloud.clock.now().getTime() - wall) < 5_000,
      "the AWS backend uses the wall clock",
    );
  } finally {
    await cloud.close();
    await recorder.close();
    for (const [k, v] of saved) v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
  }
});

Deno.test("the AWS backend honours AWS_ENDPOINT_URL as the SDK defines it", async () => {
  const recorder = startAwsRecorder();
  try {
    const code = `
      import { openCloud } from ${JSON.stringify(new URL("./open.ts", import.meta.url).href)};
      import { DescribeEndpointCommand } from "@aws-sdk/client-sagemaker";
      const cloud = await openCloud({ backend: "aws" });
      console.log(cloud.region);
      await cloud.sagemaker.send(new DescribeEndpointCommand({ EndpointName: "from-env" })).catch(() => {});
      await cloud.close();
    `;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--config", new URL("../deno.json", import.meta.url).pathname, code],
      env: denoChildEnv({ ...fakeAwsEnv(recorder.url), NO_COLOR: "1" }),
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.equal(new TextDecoder().decode(out.stdout).trim(), "us-east-1");
    const describe = recorder.requests.find((r) => r.operation === "DescribeEndpoint");
    assert.ok(describe, "the request went to AWS_ENDPOINT_URL");
    assert.deepEqual(describe.json, { EndpointName: "from-env" });
  } finally {
    await recorder.close();
  }
});

Deno.test("openCloud({ backend: 'aws' }) without a region says how to set one", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      "--config",
      new URL("../deno.json", import.meta.url).pathname,
      `import { openCloud } from ${JSON.stringify(new URL("./open.ts", import.meta.url).href)};
       await openCloud({ backend: "aws" }).then(() => console.log("opened"), (e) => console.log(e.message));`,
    ],
    env: denoChildEnv({
      AWS_CONFIG_FILE: "/dev/null",
      AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
      NO_COLOR: "1",
      PATH: Deno.env.get("PATH") ?? "",
    }),
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.match(new TextDecoder().decode(out.stdout), /no region is set\. Pass --region/);
});
