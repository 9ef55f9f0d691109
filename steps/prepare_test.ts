// `prepare` on the local backend: both tarballs land in the local S3 under the default bucket,
// GNU tar lists their members, and the image URI is the region's XGBoost 1.7-1 container.
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import assert from "node:assert/strict";
import { join } from "node:path";
import { openLocalCloud } from "../cloud/local/mod.ts";
import { InputError } from "./errors.ts";
import { prepare } from "./prepare.ts";

Deno.test("prepare() uploads model.tar.gz and payload.tar.gz and names the XGBoost image", async () => {
  const dir = await Deno.makeTempDir({ prefix: "prepare-" });
  const cloud = openLocalCloud({ localDir: join(dir, "state"), region: "eu-west-1" });
  try {
    const manifest: never[] = [];
    const result = await prepare(cloud, {
      roleArn: cloud.defaultRoleArn!,
      workDir: join(dir, "work"),
      manifest,
    });
    assert.match(
      result.modelUrl,
      /^s3:\/\/sagemaker-eu-west-1-000000000000\/.+\/model\/model\.tar\.gz$/,
    );
    assert.match(
      result.payloadUrl,
      /^s3:\/\/sagemaker-eu-west-1-000000000000\/.+\/payload\/payload\.tar\.gz$/,
    );
    assert.equal(
      result.containerImage,
      "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1",
    );
    assert.deepEqual(result.created.map((c) => c.name), [result.modelUrl, result.payloadUrl]);
    assert.equal(manifest.length, 2);
    for (const url of [result.modelUrl, result.payloadUrl]) {
      const [, Bucket, Key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(url)!;
      const head = await cloud.s3.send(new HeadObjectCommand({ Bucket, Key }));
      assert.ok((head.ContentLength ?? 0) > 1000);
    }
    const list = async (file: string) => {
      const out = await new Deno.Command("tar", {
        args: ["-tzf", join(dir, "work", file)],
        stdout: "piped",
      }).output();
      assert.ok(out.success);
      return new TextDecoder().decode(out.stdout).trim().split("\n");
    };
    assert.deepEqual(await list("model.tar.gz"), ["xgboost-model"]);
    assert.deepEqual(await list("payload.tar.gz"), ["sample.csv"]);
    const csv = await Deno.readTextFile(join(dir, "work", "sample.csv"));
    const rows = csv.trim().split("\n");
    assert.equal(rows.length, 100);
    assert.ok(rows.every((r) => r.split(",").length === 50));
  } finally {
    await cloud.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("prepare() rejects an unknown framework version with the valid ones", async () => {
  const dir = await Deno.makeTempDir({ prefix: "prepare-" });
  const cloud = openLocalCloud({ localDir: dir });
  try {
    await assert.rejects(
      prepare(cloud, { roleArn: cloud.defaultRoleArn!, frameworkVersion: "0.9-1" }),
      (e: unknown) => e instanceof InputError && /'1\.7-1'/.test(e.message),
    );
  } finally {
    await cloud.close();
    await Deno.remove(dir, { recursive: true });
  }
});
