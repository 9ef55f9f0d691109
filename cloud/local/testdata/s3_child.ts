// A second process opening the same local folder: lists buckets it did not create and writes an object.
import { HeadBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { openLocalCloud } from "../mod.ts";
import { S3_KIND } from "../s3/mod.ts";

const cloud = openLocalCloud({ localDir: Deno.args[0] });
try {
  await cloud.s3.send(new HeadBucketCommand({ Bucket: "shared" }));
  const names = cloud.context.store.listDocs(S3_KIND.bucket).map((b) => b.id);
  console.log(`buckets: ${names.join(",")}`);
  await cloud.s3.send(
    new PutObjectCommand({
      Bucket: "shared",
      Key: "from-child.txt",
      Body: "written by a child process",
    }),
  );
} finally {
  await cloud.close();
}
