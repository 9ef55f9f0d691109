/**
 * The bucket operations of the local S3: CreateBucket (naming rules, the location constraint of
 * the region, us-east-1's 200 to an owner re-creating its bucket), HeadBucket and DeleteBucket
 * (only when empty).
 *
 * @module
 */
import type * as s3 from "@aws-sdk/client-s3";
import type { LocalContext } from "../kernel/context.ts";
import type { HandlerMap } from "../kernel/dispatch.ts";
import {
  bucketAlreadyOwnedByYou,
  bucketNotEmpty,
  invalidBucketName,
  notFound,
} from "./messages.ts";
import { type BucketRecord, getBucket, S3_KIND } from "./records.ts";
import { checkLocationConstraint, isValidBucketName, requireString } from "./validate.ts";

/** The bucket operations, by operation name. */
export const bucketHandlers: HandlerMap = {
  CreateBucket(input: s3.CreateBucketCommandInput, ctx: LocalContext) {
    const name = requireString(input.Bucket, "Bucket");
    if (!isValidBucketName(name)) throw invalidBucketName();
    checkLocationConstraint(input.CreateBucketConfiguration?.LocationConstraint, ctx.region);
    return ctx.store.tx(() => {
      const existing = ctx.store.getDoc<BucketRecord>(S3_KIND.bucket, name);
      if (existing !== undefined) {
        // us-east-1 answers 200 to its owner re-creating a bucket (S3 CreateBucket API reference).
        if (ctx.region !== "us-east-1") throw bucketAlreadyOwnedByYou();
      } else {
        ctx.store.putDoc(
          S3_KIND.bucket,
          name,
          {
            Name: name,
            Region: ctx.region,
            CreationDate: ctx.store.now(),
          } satisfies BucketRecord,
        );
      }
      return {
        Location: ctx.region === "us-east-1" ? `/${name}` : `http://${name}.s3.amazonaws.com/`,
      };
    });
  },

  HeadBucket(input: s3.HeadBucketCommandInput, ctx: LocalContext) {
    const name = requireString(input.Bucket, "Bucket");
    const record = ctx.store.getDoc<BucketRecord>(S3_KIND.bucket, name);
    if (record === undefined) throw notFound();
    return { BucketRegion: record.Region, AccessPointAlias: false };
  },

  DeleteBucket(input: s3.DeleteBucketCommandInput, ctx: LocalContext) {
    const bucket = getBucket(ctx, input.Bucket);
    ctx.store.tx(() => {
      if (ctx.store.listDocs(S3_KIND.object, `${bucket.Name}/`).length > 0) throw bucketNotEmpty();
      ctx.store.deleteDoc(S3_KIND.bucket, bucket.Name);
    });
    return {};
  },
};
