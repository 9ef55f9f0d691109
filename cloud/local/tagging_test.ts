// Proves the local tag readers answer as the API references say when something is missing or
// malformed: SageMaker ListTags (ValidationException), CloudWatch ListTagsForResource
// (ResourceNotFound), Application Auto Scaling ListTagsForResource (ResourceNotFoundException),
// S3 GetObjectTagging (NoSuchKey); that PutObject keeps its Tagging and DeleteObject drops it; that
// the create handlers keep Tags.
import assert from "node:assert/strict";
import { ListTagsForResourceCommand as AasListTags } from "@aws-sdk/client-application-auto-scaling";
import { ListTagsForResourceCommand as CwListTags } from "@aws-sdk/client-cloudwatch";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectTaggingCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { CreateModelPackageGroupCommand, ListTagsCommand } from "@aws-sdk/client-sagemaker";
import { withLocalCloud } from "./testdata/local_cloud.ts";

Deno.test("tag readers name the missing resource the AWS way", async () => {
  await withLocalCloud(async (cloud) => {
    await assert.rejects(
      cloud.sagemaker.send(new ListTagsCommand({ ResourceArn: "not-an-arn" })),
      { name: "ValidationException" },
    );
    await assert.rejects(
      cloud.sagemaker.send(
        new ListTagsCommand({ ResourceArn: "arn:aws:sagemaker:us-east-1:000000000000:model/none" }),
      ),
      (e: Error) => e.name === "ValidationException" && /Could not find/.test(e.message),
    );
    await assert.rejects(
      cloud.cloudwatch.send(
        new CwListTags({ ResourceARN: "arn:aws:cloudwatch:us-east-1:000000000000:alarm:none" }),
      ),
      { name: "ResourceNotFound" },
    );
    await assert.rejects(
      cloud.autoscaling.send(
        new AasListTags({
          ResourceARN:
            "arn:aws:application-autoscaling:us-east-1:000000000000:scalable-target/none",
        }),
      ),
      { name: "ResourceNotFoundException" },
    );
    await cloud.s3.send(new CreateBucketCommand({ Bucket: "bucket-b" }));
    await assert.rejects(
      cloud.s3.send(new GetObjectTaggingCommand({ Bucket: "bucket-b", Key: "none" })),
      { name: "NoSuchKey" },
    );
  });
});

Deno.test("PutObject keeps its Tagging, DeleteObject drops it, SageMaker keeps Tags", async () => {
  await withLocalCloud(async (cloud) => {
    await cloud.s3.send(new CreateBucketCommand({ Bucket: "bucket-b" }));
    await cloud.s3.send(
      new PutObjectCommand({ Bucket: "bucket-b", Key: "k", Body: "x", Tagging: "a%3Ab=1&c=2" }),
    );
    const got = await cloud.s3.send(new GetObjectTaggingCommand({ Bucket: "bucket-b", Key: "k" }));
    assert.deepEqual(got.TagSet, [{ Key: "a:b", Value: "1" }, { Key: "c", Value: "2" }]);
    await cloud.s3.send(new DeleteObjectCommand({ Bucket: "bucket-b", Key: "k" }));
    await cloud.s3.send(new PutObjectCommand({ Bucket: "bucket-b", Key: "k", Body: "y" }));
    const untagged = await cloud.s3.send(
      new GetObjectTaggingCommand({ Bucket: "bucket-b", Key: "k" }),
    );
    assert.deepEqual(untagged.TagSet, []);
    const group = await cloud.sagemaker.send(
      new CreateModelPackageGroupCommand({
        ModelPackageGroupName: "g",
        Tags: [{ Key: "k", Value: "v" }],
      }),
    );
    const tags = await cloud.sagemaker.send(
      new ListTagsCommand({ ResourceArn: group.ModelPackageGroupArn }),
    );
    assert.deepEqual(tags.Tags, [{ Key: "k", Value: "v" }]);
  });
});
