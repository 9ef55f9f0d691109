import {
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchBucket,
  NoSuchKey,
  PutObjectCommand,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { CopyObjectCommand } from "@aws-sdk/client-s3";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { openLocalCloud } from "../mod.ts";
import { denoChildEnv } from "../../../machine/children.ts";

async function withCloud(
  fn: (cloud: ReturnType<typeof openLocalCloud>, dir: string) => Promise<void>,
  region = "us-east-1",
) {
  const dir = await Deno.makeTempDir({ prefix: "s3-local-" });
  const cloud = openLocalCloud({ localDir: dir, region });
  try {
    await fn(cloud, dir);
  } finally {
    await cloud.close();
    await Deno.remove(dir, { recursive: true });
  }
}

async function rejectsNamed(promise: Promise<unknown>, name: string, status: number) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof S3ServiceException, `expected an S3ServiceException, got ${error}`);
    assert.equal(error.name, name);
    assert.equal(error.$metadata.httpStatusCode, status);
    return true;
  });
}

Deno.test("s3 PutObject then GetObject round-trips bytes with an MD5 ETag", async () => {
  await withCloud(async (cloud) => {
    await cloud.s3.send(new CreateBucketCommand({ Bucket: "bk1" }));
    const body = new TextEncoder().encode("hello,world\n1,2\n");
    const put = await cloud.s3.send(
      new PutObjectCommand({
        Bucket: "bk1",
        Key: "payload/sample.csv",
        Body: body,
        ContentType: "text/csv",
      }),
    );
    const md5 = createHash("md5").update(body).digest("hex");
    assert.equal(put.ETag, `"${md5}"`);
    assert.equal(put.$metadata.httpStatusCode, 200);
    const got = await cloud.s3.send(
      new GetObjectCommand({ Bucket: "bk1", Key: "payload/sample.csv" }),
    );
    assert.equal(got.ContentType, "text/csv");
    assert.equal(got.ContentLength, body.length);
    assert.ok(got.LastModified instanceof Date);
    assert.equal(await got.Body!.transformToString(), "hello,world\n1,2\n");
    const head = await cloud.s3.send(
      new HeadObjectCommand({ Bucket: "bk1", Key: "payload/sample.csv" }),
    );
    assert.equal(head.ETag, put.ETag);
  });
});

Deno.test("s3 overwriting an object replaces its bytes and ETag", async () => {
  await withCloud(async (cloud, dir) => {
    await cloud.s3.send(new CreateBucketCommand({ Bucket: "bk1" }));
    await cloud.s3.send(new PutObjectCommand({ Bucket: "bk1", Key: "k", Body: "one" }));
    await cloud.s3.send(new PutObjectCommand({ Bucket: "bk1", Key: "k", Body: "two" }));
    const got = await cloud.s3.send(new GetObjectCommand({ Bucket: "bk1", Key: "k" }));
    assert.equal(await got.Body!.transformToString(), "two");
    const files = await Array.fromAsync(Deno.readDir(`${dir}/objects`));
    assert.equal(files.length, 1, "the replaced file is removed");
  });
});

Deno.test("s3 answers AWS's error names", async () => {
  await withCloud(async (cloud) => {
    await rejectsNamed(
      cloud.s3.send(new PutObjectCommand({ Bucket: "nope", Key: "k", Body: "x" })),
      "NoSuchBucket",
      404,
    );
    await assert.rejects(
      cloud.s3.send(new GetObjectCommand({ Bucket: "nope", Key: "k" })),
      NoSuchBucket,
    );
    await rejectsNamed(cloud.s3.send(new HeadBucketCommand({ Bucket: "nope" })), "NotFound", 404);
    await cloud.s3.send(new CreateBucketCommand({ Bucket: "bk1" }));
    await assert.rejects(
      cloud.s3.send(new GetObjectCommand({ Bucket: "bk1", Key: "missing" })),
      NoSuchKey,
    );
    await rejectsNamed(
      cloud.s3.send(new HeadObjectCommand({ Bucket: "bk1", Key: "missing" })),
      "NotFound",
      404,
    );
    await rejectsNamed(
      cloud.s3.send(new CreateBucketCommand({ Bucket: "Bad_Name" })),
      "InvalidBucketName",
      400,
    );
    await cloud.s3.send(new PutObjectCommand({ Bucket: "bk1", Key: "k", Body: "x" }));
    await rejectsNamed(
      cloud.s3.send(new DeleteBucketCommand({ Bucket: "bk1" })),
      "BucketNotEmpty",
      409,
    );
  });
});

Deno.test("s3 CreateBucket of an owned bucket: 200 in us-east-1, BucketAlreadyOwnedByYou elsewhere", async () => {
  await withCloud(async (cloud) => {
    await cloud.s3.send(new CreateBucketCommand({ Bucket: "mine" }));
    const again = await cloud.s3.send(new CreateBucketCommand({ Bucket: "mine" }));
    assert.equal(again.Location, "/mine");
  });
  await withCloud(async (cloud) => {
    const config = { LocationConstraint: "eu-west-1" as const };
    await rejectsNamed(
      cloud.s3.send(new CreateBucketCommand({ Bucket: "mine" })),
      "IllegalLocationConstraintException",
      400,
    );
    await cloud.s3.send(
      new CreateBucketCommand({ Bucket: "mine", CreateBucketConfiguration: config }),
    );
    await assert.rejects(
      cloud.s3.send(new CreateBucketCommand({ Bucket: "mine", CreateBucketConfiguration: config })),
      BucketAlreadyOwnedByYou,
    );
  }, "eu-west-1");
});

Deno.test("s3 ListObjectsV2 pages with continuation tokens and rolls up delimiters", async () => {
  await withCloud(async (cloud) => {
    await cloud.s3.send(new CreateBucketCommand({ Bucket: "bk1" }));
    const keys = ["a/1", "a/2", "b/1", "c", "d/x/1", "d/x/2", "e"];
    for (const Key of keys) {
      await cloud.s3.send(new PutObjectCommand({ Bucket: "bk1", Key, Body: Key }));
    }
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await cloud.s3.send(
        new ListObjectsV2Command({ Bucket: "bk1", MaxKeys: 3, ContinuationToken: token }),
      );
      pages++;
      seen.push(...(page.Contents ?? []).map((c) => c.Key!));
      token = page.NextContinuationToken;
      assert.equal(page.IsTruncated, token !== undefined);
    } while (token);
    assert.deepEqual(seen, keys);
    assert.equal(pages, 3);
    const rolled = await cloud.s3.send(new ListObjectsV2Command({ Bucket: "bk1", Delimiter: "/" }));
    assert.deepEqual(rolled.CommonPrefixes?.map((p) => p.Prefix), ["a/", "b/", "d/"]);
    assert.deepEqual(rolled.Contents?.map((c) => c.Key), ["c", "e"]);
    const rolledPaged = await cloud.s3.send(
      new ListObjectsV2Command({ Bucket: "bk1", Delimiter: "/", MaxKeys: 2 }),
    );
    assert.deepEqual(rolledPaged.CommonPrefixes?.map((p) => p.Prefix), ["a/", "b/"]);
    const next = await cloud.s3.send(
      new ListObjectsV2Command({
        Bucket: "bk1",
        Delimiter: "/",
        MaxKeys: 2,
        ContinuationToken: rolledPaged.NextContinuationToken,
      }),
    );
    assert.deepEqual(next.Contents?.map((c) => c.Key), ["c"]);
    assert.deepEqual(next.CommonPrefixes?.map((p) => p.Prefix), ["d/"]);
    const prefixed = await cloud.s3.send(
      new ListObjectsV2Command({ Bucket: "bk1", Prefix: "d/x/" }),
    );
    assert.deepEqual(prefixed.Contents?.map((c) => c.Key), ["d/x/1", "d/x/2"]);
  });
});

Deno.test("s3 DeleteObject is idempotent", async () => {
  await withCloud(async (cloud, dir) => {
    await cloud.s3.send(new CreateBucketCommand({ Bucket: "bk1" }));
    await cloud.s3.send(new PutObjectCommand({ Bucket: "bk1", Key: "k", Body: "x" }));
    await cloud.s3.send(new DeleteObjectCommand({ Bucket: "bk1", Key: "k" }));
    await cloud.s3.send(new DeleteObjectCommand({ Bucket: "bk1", Key: "k" }));
    await assert.rejects(
      cloud.s3.send(new GetObjectCommand({ Bucket: "bk1", Key: "k" })),
      NoSuchKey,
    );
    assert.equal((await Array.fromAsync(Deno.readDir(`${dir}/objects`))).length, 0);
    await cloud.s3.send(new DeleteBucketCommand({ Bucket: "bk1" }));
  });
});

Deno.test("s3 a command the local backend does not implement fails naming it", async () => {
  await withCloud(async (cloud) => {
    await assert.rejects(
      cloud.s3.send(new CopyObjectCommand({ Bucket: "b", Key: "k", CopySource: "b/x" })),
      /does not implement S3 CopyObject/,
    );
  });
});

Deno.test("s3 state written by one process is seen by another", async () => {
  await withCloud(async (cloud, dir) => {
    await cloud.s3.send(new CreateBucketCommand({ Bucket: "shared" }));
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("../testdata/s3_child.ts", import.meta.url).pathname, dir],
      env: denoChildEnv(),
      stdout: "piped",
      stderr: "piped",
    });
    const out = await child.output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const got = await cloud.s3.send(
      new GetObjectCommand({ Bucket: "shared", Key: "from-child.txt" }),
    );
    assert.equal(await got.Body!.transformToString(), "written by a child process");
    assert.match(new TextDecoder().decode(out.stdout), /buckets: shared/);
  });
});

Deno.test("s3 an upload that fails half-way leaves the previous object intact", async () => {
  await withCloud(async (cloud) => {
    await cloud.s3.send(new CreateBucketCommand({ Bucket: "bk1" }));
    await cloud.s3.send(new PutObjectCommand({ Bucket: "bk1", Key: "k", Body: "good" }));
    const broken = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode("partial"));
        controller.error(new Error("connection reset"));
      },
    });
    await assert.rejects(
      cloud.s3.send(new PutObjectCommand({ Bucket: "bk1", Key: "k", Body: broken as never })),
      /connection reset/,
    );
    const got = await cloud.s3.send(new GetObjectCommand({ Bucket: "bk1", Key: "k" }));
    assert.equal(await got.Body!.transformToString(), "good");
  });
});
