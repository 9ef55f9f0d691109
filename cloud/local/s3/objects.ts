/**
 * The object operations of the local S3 (PutObject, GetObject, HeadObject, DeleteObject,
 * ListObjectsV2) and the two reads other local services make by `s3://bucket/key` URL.
 * ETags are the MD5 of the bytes, in quotes, as S3 gives for a single-part upload.
 *
 * @module
 */
import type * as s3 from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { LocalContext } from "../kernel/context.ts";
import type { HandlerMap } from "../kernel/dispatch.ts";
import { bodyBytes } from "./body.ts";
import { listObjectsV2 } from "./list.ts";
import { notAnObjectUrl } from "./messages.ts";
import { headFields, sdkBody } from "./output.ts";
import { getBucket, getObjectRecord, objectId, type ObjectRecord, S3_KIND } from "./records.ts";
import { checkObjectSize, validKey } from "./validate.ts";

/**
 * Reads an object's bytes from the local S3 by `s3://bucket/key` URL (for the local backend's
 * own use, e.g. the Default job fetching the model and payload).
 *
 * @example Usage
 * ```ts ignore
 * const bytes = readLocalObject(ctx, "s3://sagemaker-us-east-1-000000000000/model/model.tar.gz");
 * ```
 */
export function readLocalObject(ctx: LocalContext, url: string): Uint8Array {
  const parsed = parseS3Url(url);
  if (parsed === undefined || parsed.key === "") throw notAnObjectUrl(url);
  return objectBytes(ctx, getObjectRecord(ctx, { Bucket: parsed.bucket, Key: parsed.key }));
}

/** The bytes of a stored object, read from its file. */
function objectBytes(ctx: LocalContext, record: ObjectRecord): Uint8Array {
  return new Uint8Array(readFileSync(ctx.store.objectPath(record.file)));
}

/**
 * Whether the local S3 holds the object at an `s3://bucket/key` URL or, for a URL ending in `/`,
 * any object under that prefix (CreateModel checks its model data so).
 *
 * @example Usage
 * ```ts ignore
 * if (!localObjectExists(ctx, "s3://my-bucket/model/model.tar.gz")) throw new Error("no model");
 * ```
 */
export function localObjectExists(ctx: LocalContext, url: string): boolean {
  const parsed = parseS3Url(url);
  if (parsed === undefined) return false;
  const id = objectId(parsed.bucket, parsed.key);
  if (id.endsWith("/")) return ctx.store.listDocs(S3_KIND.object, id).length > 0;
  return ctx.store.getDoc(S3_KIND.object, id) !== undefined;
}

/** Bucket and key ("" for `s3://bucket/`) of an `s3://` URL, or undefined for another URL. */
function parseS3Url(url: string): { bucket: string; key: string } | undefined {
  const match = /^s3:\/\/([^/]+)\/(.*)$/.exec(url);
  return match ? { bucket: match[1], key: match[2] } : undefined;
}

/** The object operations, by operation name. */
export const objectHandlers: HandlerMap = {
  async PutObject(input: s3.PutObjectCommandInput, ctx: LocalContext) {
    getBucket(ctx, input.Bucket);
    const key = validKey(input.Key);
    const bytes = await bodyBytes(input.Body);
    checkObjectSize(bytes.length);
    const etag = `"${createHash("md5").update(bytes).digest("hex")}"`;
    const file = ctx.store.writeObjectFile(bytes);
    let replaced: string | undefined;
    try {
      ctx.store.tx(() => {
        const bucket = getBucket(ctx, input.Bucket); // it may have gone meanwhile
        const id = objectId(bucket.Name, key);
        replaced = ctx.store.getDoc<ObjectRecord>(S3_KIND.object, id)?.file;
        ctx.store.putDoc(
          S3_KIND.object,
          id,
          {
            Bucket: bucket.Name,
            Key: key,
            Size: bytes.length,
            ETag: etag,
            ContentType: input.ContentType ?? "application/octet-stream",
            LastModified: ctx.store.now(),
            Metadata: { ...(input.Metadata ?? {}) },
            file,
          } satisfies ObjectRecord,
        );
      });
    } catch (error) {
      ctx.store.removeObjectFile(file);
      throw error;
    }
    if (replaced !== undefined) ctx.store.removeObjectFile(replaced);
    return { ETag: etag };
  },

  GetObject(input: s3.GetObjectCommandInput, ctx: LocalContext) {
    const record = getObjectRecord(ctx, input);
    return { ...headFields(record), Body: sdkBody(objectBytes(ctx, record)) };
  },

  HeadObject(input: s3.HeadObjectCommandInput, ctx: LocalContext) {
    return headFields(getObjectRecord(ctx, input, { head: true }));
  },

  ListObjectsV2(input: s3.ListObjectsV2CommandInput, ctx: LocalContext) {
    return listObjectsV2(ctx, input);
  },

  DeleteObject(input: s3.DeleteObjectCommandInput, ctx: LocalContext) {
    const bucket = getBucket(ctx, input.Bucket);
    const key = validKey(input.Key);
    let file: string | undefined;
    ctx.store.tx(() => {
      const id = objectId(bucket.Name, key);
      file = ctx.store.getDoc<ObjectRecord>(S3_KIND.object, id)?.file;
      ctx.store.deleteDoc(S3_KIND.object, id);
    });
    if (file !== undefined) ctx.store.removeObjectFile(file);
    return {}; // S3 answers 204 whether or not the key existed.
  },
};
