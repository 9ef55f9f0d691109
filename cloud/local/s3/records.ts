/**
 * What the local S3 keeps in the store: one document per bucket and per object (the object's
 * bytes in a file of the store's object folder), and the lookups of both.
 *
 * @module
 */
import type { LocalContext } from "../kernel/context.ts";
import { noSuchBucket, noSuchKey } from "./messages.ts";
import { requireString, validKey } from "./validate.ts";

/** Store kinds of the S3 stand-in. */
export const S3_KIND = { bucket: "s3-bucket", object: "s3-object" } as const;

/** A stored bucket. */
export interface BucketRecord {
  Name: string;
  Region: string;
  CreationDate: number;
}

/** A stored object's metadata; the bytes are in `store.objectPath(file)`. */
export interface ObjectRecord {
  Bucket: string;
  Key: string;
  Size: number;
  ETag: string;
  ContentType: string;
  LastModified: number;
  Metadata: Record<string, string>;
  file: string;
}

/**
 * The store id of an object: `bucket/key` (so the objects of a bucket, or under a prefix, are
 * the ids starting with `bucket/prefix`).
 *
 * @example Usage
 * ```ts
 * import { objectId } from "./records.ts";
 * import assert from "node:assert/strict";
 * assert.equal(objectId("b", "model/model.tar.gz"), "b/model/model.tar.gz");
 * ```
 */
export function objectId(bucket: string, key: string): string {
  return `${bucket}/${key}`;
}

/**
 * The bucket named in a request; `NoSuchBucket` when there is none.
 *
 * @example Usage
 * ```ts ignore
 * const bucket = getBucket(ctx, input.Bucket);
 * ```
 */
export function getBucket(ctx: LocalContext, name: unknown): BucketRecord {
  const bucket = requireString(name, "Bucket");
  const record = ctx.store.getDoc<BucketRecord>(S3_KIND.bucket, bucket);
  if (record === undefined) throw noSuchBucket();
  return record;
}

/**
 * The object named in a request; `NoSuchKey` when there is none (`NotFound` for a HEAD request,
 * `options.head`).
 *
 * @example Usage
 * ```ts ignore
 * const record = getObjectRecord(ctx, { Bucket: "b", Key: "k" });
 * ```
 */
export function getObjectRecord(
  ctx: LocalContext,
  input: { Bucket?: string; Key?: string },
  options: { head?: boolean } = {},
): ObjectRecord {
  const bucket = getBucket(ctx, input.Bucket);
  const key = validKey(input.Key);
  const record = ctx.store.getDoc<ObjectRecord>(S3_KIND.object, objectId(bucket.Name, key));
  if (record === undefined) throw noSuchKey(options);
  return record;
}
