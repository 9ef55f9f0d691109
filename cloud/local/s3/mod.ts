/**
 * The local S3 stand-in: buckets and objects with metadata in the store and bytes in files,
 * MD5 ETags and the AWS error names (`NoSuchBucket`, `NoSuchKey`, `BucketAlreadyOwnedByYou`...).
 *
 * The bucket operations are in `buckets.ts`, the object operations in `objects.ts` (the
 * ListObjectsV2 page in `list.ts`); what the store keeps in `records.ts`, the request checks in
 * `validate.ts`, the answers' shapes in `output.ts` and every error's wording, with its source,
 * in `messages.ts`. This file is the handler table and all that other local services import.
 *
 * @module
 */
import type { HandlerMap } from "../kernel/dispatch.ts";
import { bucketHandlers } from "./buckets.ts";
import { objectHandlers } from "./objects.ts";

export { localObjectExists, readLocalObject } from "./objects.ts";
export { type BucketRecord, type ObjectRecord, S3_KIND } from "./records.ts";
export { isValidBucketName } from "./validate.ts";

/**
 * The S3 operations the local backend implements, by operation name, for
 * `localSender(ctx, { service: "S3", handlers })`.
 *
 * @example Usage
 * ```ts
 * import { s3Handlers } from "./mod.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(Object.keys(s3Handlers).sort(), [
 *   "CreateBucket", "DeleteBucket", "DeleteObject", "GetObject", "HeadBucket", "HeadObject",
 *   "ListObjectsV2", "PutObject",
 * ]);
 * ```
 */
export const s3Handlers: HandlerMap = { ...bucketHandlers, ...objectHandlers };
