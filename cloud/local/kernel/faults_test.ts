// Proves the SCALING_LOCAL_FAULT test hook: the named call of an operation fails with the
// AWS-shaped InternalFailure (server fault, HTTP 500) before its handler runs, other calls go
// through, and a delayed call (`@MS`) still succeeds.
import assert from "node:assert/strict";
import { CreateBucketCommand, HeadBucketCommand } from "@aws-sdk/client-s3";
import { FAULT_ENV } from "./faults.ts";
import { withLocalCloud } from "../testdata/local_cloud.ts";

Deno.test("SCALING_LOCAL_FAULT fails the named call with an AWS-shaped InternalFailure", async () => {
  Deno.env.set(FAULT_ENV, "CreateBucket:2");
  try {
    await withLocalCloud(async (cloud) => {
      await cloud.s3.send(new CreateBucketCommand({ Bucket: "bucket-one" }));
      await assert.rejects(
        cloud.s3.send(new CreateBucketCommand({ Bucket: "bucket-two" })),
        (e: Error & { $fault?: string; $metadata?: { httpStatusCode?: number } }) =>
          e.name === "InternalFailure" && e.$fault === "server" &&
          e.$metadata?.httpStatusCode === 500,
      );
      await cloud.s3.send(new CreateBucketCommand({ Bucket: "bucket-three" }));
      await assert.rejects(
        cloud.s3.send(new HeadBucketCommand({ Bucket: "bucket-two" })),
        { name: "NotFound" },
        "the failed call created nothing",
      );
    });
  } finally {
    Deno.env.delete(FAULT_ENV);
  }
});

Deno.test("SCALING_LOCAL_FAULT Operation:N@MS delays the call and lets it through", async () => {
  Deno.env.set(FAULT_ENV, "HeadBucket:1@10");
  try {
    await withLocalCloud(async (cloud) => {
      await cloud.s3.send(new CreateBucketCommand({ Bucket: "bucket-slow" }));
      const out = await cloud.s3.send(new HeadBucketCommand({ Bucket: "bucket-slow" }));
      assert.equal(out.$metadata.httpStatusCode, 200);
    });
  } finally {
    Deno.env.delete(FAULT_ENV);
  }
});
