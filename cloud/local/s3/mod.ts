/**
 * The local S3 stand-in: buckets and objects with metadata in the store and bytes in files,
 * MD5 ETags and the AWS error names (`NoSuchBucket`, `NoSuchKey`, `BucketAlreadyOwnedByYou`...).
 *
 * @module
 */
import * as s3 from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { Buffer } from "node:buffer";
import { Readable } from "node:stream";
import type { LocalContext } from "../kernel/context.ts";
import { errorFactory } from "../kernel/errors.ts";
import type { HandlerMap } from "../kernel/dispatch.ts";

const fail = errorFactory(s3, s3.S3ServiceException);

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
 * Whether a bucket name follows S3's general-purpose bucket naming rules (3–63 characters,
 * lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit, no
 * adjacent dots, not an IP address, no reserved prefixes/suffixes).
 *
 * @example Usage
 * ```ts
 * import { isValidBucketName } from "./mod.ts";
 * import assert from "node:assert/strict";
 * assert.ok(isValidBucketName("sagemaker-us-east-1-000000000000"));
 * assert.ok(!isValidBucketName("Upper_Case"));
 * ```
 */
export function isValidBucketName(name: string): boolean {
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) &&
    !name.includes("..") &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(name) &&
    !name.startsWith("xn--") && !name.startsWith("sthree-") &&
    !name.endsWith("-s3alias") && !name.endsWith("--ol-s3");
}

function requireString(value: unknown, field: string): string {
  if (typeof value !== "string" || value.length === 0) {
    throw fail("InvalidRequest", `Missing required field: ${field}`, 400);
  }
  return value;
}

function getBucket(ctx: LocalContext, name: unknown): BucketRecord {
  const bucket = requireString(name, "Bucket");
  const record = ctx.store.getDoc<BucketRecord>(S3_KIND.bucket, bucket);
  if (record === undefined) throw fail("NoSuchBucket", "The specified bucket does not exist", 404);
  return record;
}

function objectId(bucket: string, key: string): string {
  return `${bucket}/${key}`;
}

function validKey(key: unknown): string {
  const k = requireString(key, "Key");
  if (new TextEncoder().encode(k).length > 1024) {
    throw fail("KeyTooLongError", "Your key is too long", 400);
  }
  return k;
}

/** Reads a PutObject body of any of the SDK's accepted types into bytes. */
async function bodyBytes(body: unknown): Promise<Uint8Array> {
  if (body === undefined || body === null) return new Uint8Array();
  if (typeof body === "string") return new TextEncoder().encode(body);
  if (body instanceof Uint8Array) return new Uint8Array(body);
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (body instanceof Blob) return new Uint8Array(await body.arrayBuffer());
  if (body instanceof ReadableStream) return new Uint8Array(await new Response(body).arrayBuffer());
  if (typeof (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === "function") {
    const chunks: Uint8Array[] = [];
    for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
      chunks.push(typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk);
    }
    const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let offset = 0;
    for (const c of chunks) {
      out.set(c, offset);
      offset += c.length;
    }
    return out;
  }
  throw new TypeError(
    `Cannot upload a body of type ${typeof body}: give a string, bytes, Blob or stream`,
  );
}

/** A GetObject body with the SDK's stream helpers (`transformToByteArray` ...). */
function sdkBody(bytes: Uint8Array) {
  const stream = Readable.from([Buffer.from(bytes)]) as Readable & Record<string, unknown>;
  let used = false;
  const once = () => {
    if (used) throw new Error("The body of a GetObject output can be read only once");
    used = true;
  };
  stream.transformToByteArray = () => {
    once();
    return Promise.resolve(new Uint8Array(bytes));
  };
  stream.transformToString = (encoding = "utf-8") => {
    once();
    return Promise.resolve(new TextDecoder(encoding).decode(bytes));
  };
  stream.transformToWebStream = () => {
    once();
    return new Blob([bytes as BlobPart]).stream();
  };
  return stream;
}

function headFields(o: ObjectRecord) {
  return {
    AcceptRanges: "bytes",
    ContentLength: o.Size,
    ContentType: o.ContentType,
    ETag: o.ETag,
    LastModified: new Date(o.LastModified),
    Metadata: { ...o.Metadata },
  };
}

function getObjectRecord(
  ctx: LocalContext,
  input: { Bucket?: string; Key?: string },
  head: boolean,
) {
  const bucket = getBucket(ctx, input.Bucket);
  const key = validKey(input.Key);
  const record = ctx.store.getDoc<ObjectRecord>(S3_KIND.object, objectId(bucket.Name, key));
  if (record === undefined) {
    // HEAD responses have no body, so the SDK can only report the status: "NotFound".
    throw head
      ? fail("NotFound", "Not Found", 404)
      : fail("NoSuchKey", "The specified key does not exist.", 404);
  }
  return record;
}

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
  if (parsed === undefined || parsed.key === "") {
    throw new RangeError(`Cannot read "${url}": it is not an s3://bucket/key URL`);
  }
  const record = getObjectRecord(ctx, { Bucket: parsed.bucket, Key: parsed.key }, false);
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

/** The S3 operations the local backend implements. */
export const s3Handlers: HandlerMap = {
  CreateBucket(input: s3.CreateBucketCommandInput, ctx: LocalContext) {
    const name = requireString(input.Bucket, "Bucket");
    if (!isValidBucketName(name)) {
      throw fail("InvalidBucketName", "The specified bucket is not valid.", 400);
    }
    const constraint = input.CreateBucketConfiguration?.LocationConstraint;
    if (ctx.region === "us-east-1") {
      if (constraint !== undefined && (constraint as string) !== "") {
        throw fail(
          "InvalidLocationConstraint",
          "The specified location-constraint is not valid",
          400,
        );
      }
    } else if (constraint !== ctx.region) {
      throw fail(
        "IllegalLocationConstraintException",
        `The ${
          constraint ?? "unspecified"
        } location constraint is incompatible for the region specific endpoint this request was sent to.`,
        400,
      );
    }
    return ctx.store.tx(() => {
      const existing = ctx.store.getDoc<BucketRecord>(S3_KIND.bucket, name);
      if (existing !== undefined) {
        // us-east-1 answers 200 to its owner re-creating a bucket (S3 CreateBucket API reference).
        if (ctx.region !== "us-east-1") {
          throw fail(
            "BucketAlreadyOwnedByYou",
            "Your previous request to create the named bucket succeeded and you already own it.",
            409,
          );
        }
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
    if (record === undefined) throw fail("NotFound", "Not Found", 404);
    return { BucketRegion: record.Region, AccessPointAlias: false };
  },

  DeleteBucket(input: s3.DeleteBucketCommandInput, ctx: LocalContext) {
    const bucket = getBucket(ctx, input.Bucket);
    ctx.store.tx(() => {
      if (ctx.store.listDocs(S3_KIND.object, `${bucket.Name}/`).length > 0) {
        throw fail("BucketNotEmpty", "The bucket you tried to delete is not empty", 409);
      }
      ctx.store.deleteDoc(S3_KIND.bucket, bucket.Name);
    });
    return {};
  },

  async PutObject(input: s3.PutObjectCommandInput, ctx: LocalContext) {
    getBucket(ctx, input.Bucket);
    const key = validKey(input.Key);
    const bytes = await bodyBytes(input.Body);
    if (bytes.length > 5 * 1024 ** 3) {
      throw fail("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", 400);
    }
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
    const record = getObjectRecord(ctx, input, false);
    const bytes = new Uint8Array(readFileSync(ctx.store.objectPath(record.file)));
    return { ...headFields(record), Body: sdkBody(bytes) };
  },

  HeadObject(input: s3.HeadObjectCommandInput, ctx: LocalContext) {
    return headFields(getObjectRecord(ctx, input, true));
  },

  ListObjectsV2(input: s3.ListObjectsV2CommandInput, ctx: LocalContext) {
    const bucket = getBucket(ctx, input.Bucket);
    const prefix = input.Prefix ?? "";
    const maxKeys = input.MaxKeys ?? 1000;
    if (!Number.isInteger(maxKeys) || maxKeys < 0) {
      throw fail(
        "InvalidArgument",
        "Provided max-keys not an integer or within integer range",
        400,
      );
    }
    let after = input.StartAfter ?? "";
    if (input.ContinuationToken !== undefined) {
      try {
        after = Buffer.from(input.ContinuationToken, "base64url").toString("utf8");
        if (after === "") throw new Error("empty token");
      } catch {
        throw fail("InvalidArgument", "The continuation token provided is incorrect", 400);
      }
    }
    const delimiter = input.Delimiter;
    const contents: s3._Object[] = [];
    const commonPrefixes: string[] = [];
    let truncated = false;
    let lastReturned = "";
    for (
      const { doc } of ctx.store.listDocs<ObjectRecord>(S3_KIND.object, `${bucket.Name}/${prefix}`)
    ) {
      if (doc.Key <= after) continue;
      let rolled: string | undefined;
      if (delimiter) {
        const cut = doc.Key.indexOf(delimiter, prefix.length);
        if (cut >= 0) rolled = doc.Key.slice(0, cut + delimiter.length);
      }
      if (rolled !== undefined && commonPrefixes.at(-1) === rolled) continue;
      if (contents.length + commonPrefixes.length >= maxKeys) {
        truncated = true;
        break;
      }
      if (rolled !== undefined) {
        commonPrefixes.push(rolled);
        // Skip the rest of this rolled-up prefix on the next page.
        lastReturned = `${rolled}\uffff`;
      } else {
        contents.push({
          Key: doc.Key,
          LastModified: new Date(doc.LastModified),
          ETag: doc.ETag,
          Size: doc.Size,
          StorageClass: "STANDARD",
        });
        lastReturned = doc.Key;
      }
    }
    return {
      Name: bucket.Name,
      Prefix: prefix,
      Delimiter: delimiter,
      MaxKeys: maxKeys,
      KeyCount: contents.length + commonPrefixes.length,
      IsTruncated: truncated,
      Contents: contents.length > 0 ? contents : undefined,
      CommonPrefixes: commonPrefixes.length > 0
        ? commonPrefixes.map((p) => ({ Prefix: p }))
        : undefined,
      ContinuationToken: input.ContinuationToken,
      NextContinuationToken: truncated
        ? Buffer.from(lastReturned, "utf8").toString("base64url")
        : undefined,
      StartAfter: input.StartAfter,
    };
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
