/**
 * Every error the local S3 answers, in S3's own words: the error code, its message and HTTP
 * status. Where they come from:
 *
 * - the codes and statuses: [DOC] the "List of error codes" of the S3 API reference
 *   (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html);
 * - the messages: [OBS] the `<Message>` S3 sends, as its users report it (e.g. "Your previous
 *   request to create the named bucket succeeded and you already own it."), which in places
 *   differs from the reference's description of the code; not verified one by one here;
 * - the SDK: a HEAD response has no body, so the SDK reports only its status (`NotFound`);
 * - [INF] a missing required field: the SDK refuses it before sending, the local backend says
 *   which field (`InvalidRequest`).
 *
 * @module
 */
import * as s3 from "@aws-sdk/client-s3";
import { errorFactory } from "../kernel/errors.ts";

/** Builds an S3 error by name (a modeled class such as `NoSuchBucket` when the SDK has one). */
const fail = errorFactory(s3, s3.S3ServiceException);

/**
 * A required field is missing or empty.
 *
 * @example Usage
 * ```ts
 * import { missingField } from "./messages.ts";
 * import assert from "node:assert/strict";
 * assert.equal(missingField("Bucket").message, "Missing required field: Bucket");
 * ```
 */
export function missingField(field: string): Error {
  return fail("InvalidRequest", `Missing required field: ${field}`, 400);
}

/**
 * The bucket does not exist.
 *
 * @example Usage
 * ```ts
 * import { noSuchBucket } from "./messages.ts";
 * import { NoSuchBucket } from "@aws-sdk/client-s3";
 * import assert from "node:assert/strict";
 * assert.ok(noSuchBucket() instanceof NoSuchBucket);
 * ```
 */
export function noSuchBucket(): Error {
  return fail("NoSuchBucket", "The specified bucket does not exist", 404);
}

/**
 * The key does not exist: `NoSuchKey` for a GET, the bare `NotFound` status for a HEAD (no body).
 *
 * @example Usage
 * ```ts
 * import { noSuchKey } from "./messages.ts";
 * import assert from "node:assert/strict";
 * assert.equal(noSuchKey({ head: true }).name, "NotFound");
 * assert.equal(noSuchKey().name, "NoSuchKey");
 * ```
 */
export function noSuchKey(options: { head?: boolean } = {}): Error {
  return options.head ? notFound() : fail("NoSuchKey", "The specified key does not exist.", 404);
}

/**
 * What the SDK reports of a 404 answer to a HEAD request (HeadBucket, HeadObject).
 *
 * @example Usage
 * ```ts
 * import { notFound } from "./messages.ts";
 * import assert from "node:assert/strict";
 * assert.equal(notFound().message, "Not Found");
 * ```
 */
export function notFound(): Error {
  return fail("NotFound", "Not Found", 404);
}

/**
 * The key is longer than 1,024 bytes of UTF-8.
 *
 * @example Usage
 * ```ts
 * import { keyTooLong } from "./messages.ts";
 * import assert from "node:assert/strict";
 * assert.equal(keyTooLong().name, "KeyTooLongError");
 * ```
 */
export function keyTooLong(): Error {
  return fail("KeyTooLongError", "Your key is too long", 400);
}

/**
 * The bucket name breaks the naming rules.
 *
 * @example Usage
 * ```ts
 * import { invalidBucketName } from "./messages.ts";
 * import assert from "node:assert/strict";
 * assert.equal(invalidBucketName().message, "The specified bucket is not valid.");
 * ```
 */
export function invalidBucketName(): Error {
  return fail("InvalidBucketName", "The specified bucket is not valid.", 400);
}

/**
 * A location constraint sent to us-east-1, which takes none.
 *
 * @example Usage
 * ```ts
 * import { invalidLocationConstraint } from "./messages.ts";
 * import assert from "node:assert/strict";
 * assert.equal(invalidLocationConstraint().name, "InvalidLocationConstraint");
 * ```
 */
export function invalidLocationConstraint(): Error {
  return fail("InvalidLocationConstraint", "The specified location-constraint is not valid", 400);
}

/**
 * A location constraint (or none) that is not the region of the endpoint the request went to.
 *
 * @example Usage
 * ```ts
 * import { illegalLocationConstraint } from "./messages.ts";
 * import assert from "node:assert/strict";
 * assert.match(illegalLocationConstraint(undefined).message, /^The unspecified location constraint/);
 * ```
 */
export function illegalLocationConstraint(constraint: string | undefined): Error {
  return fail(
    "IllegalLocationConstraintException",
    `The ${
      constraint ?? "unspecified"
    } location constraint is incompatible for the region specific endpoint this request was sent to.`,
    400,
  );
}

/**
 * Re-creating one's own bucket outside us-east-1 (us-east-1 answers 200).
 *
 * @example Usage
 * ```ts
 * import { bucketAlreadyOwnedByYou } from "./messages.ts";
 * import assert from "node:assert/strict";
 * assert.equal(bucketAlreadyOwnedByYou().name, "BucketAlreadyOwnedByYou");
 * ```
 */
export function bucketAlreadyOwnedByYou(): Error {
  return fail(
    "BucketAlreadyOwnedByYou",
    "Your previous request to create the named bucket succeeded and you already own it.",
    409,
  );
}

/**
 * Deleting a bucket that still holds objects.
 *
 * @example Usage
 * ```ts
 * import { bucketNotEmpty } from "./messages.ts";
 * import assert from "node:assert/strict";
 * assert.equal(bucketNotEmpty().name, "BucketNotEmpty");
 * ```
 */
export function bucketNotEmpty(): Error {
  return fail("BucketNotEmpty", "The bucket you tried to delete is not empty", 409);
}

/**
 * A PutObject body over 5 GiB.
 *
 * @example Usage
 * ```ts
 * import { entityTooLarge } from "./messages.ts";
 * import assert from "node:assert/strict";
 * assert.equal(entityTooLarge().name, "EntityTooLarge");
 * ```
 */
export function entityTooLarge(): Error {
  return fail("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", 400);
}

/**
 * ListObjectsV2's MaxKeys is not a non-negative integer.
 *
 * @example Usage
 * ```ts
 * import { invalidMaxKeys } from "./messages.ts";
 * import assert from "node:assert/strict";
 * assert.equal(invalidMaxKeys().name, "InvalidArgument");
 * ```
 */
export function invalidMaxKeys(): Error {
  return fail("InvalidArgument", "Provided max-keys not an integer or within integer range", 400);
}

/**
 * ListObjectsV2's ContinuationToken is not one this bucket listing gave.
 *
 * @example Usage
 * ```ts
 * import { invalidContinuationToken } from "./messages.ts";
 * import assert from "node:assert/strict";
 * assert.equal(invalidContinuationToken().message, "The continuation token provided is incorrect");
 * ```
 */
export function invalidContinuationToken(): Error {
  return fail("InvalidArgument", "The continuation token provided is incorrect", 400);
}

// The local backend's own errors (no S3 answer to copy): what is wrong and what to do.

/**
 * A PutObject body of a type the SDK does not send.
 *
 * @example Usage
 * ```ts
 * import { unsupportedBody } from "./messages.ts";
 * import assert from "node:assert/strict";
 * assert.ok(unsupportedBody(42) instanceof TypeError);
 * ```
 */
export function unsupportedBody(body: unknown): TypeError {
  return new TypeError(
    `Cannot upload a body of type ${typeof body}: give a string, bytes, Blob or stream`,
  );
}

/**
 * A GetObject body read a second time (the SDK's stream bodies are read once).
 *
 * @example Usage
 * ```ts
 * import { bodyReadTwice } from "./messages.ts";
 * import assert from "node:assert/strict";
 * assert.match(bodyReadTwice().message, /read only once/);
 * ```
 */
export function bodyReadTwice(): Error {
  return new Error("The body of a GetObject output can be read only once");
}

/**
 * The local backend asked to read an object by a URL that is not `s3://bucket/key`.
 *
 * @example Usage
 * ```ts
 * import { notAnObjectUrl } from "./messages.ts";
 * import assert from "node:assert/strict";
 * assert.ok(notAnObjectUrl("s3://bucket/") instanceof RangeError);
 * ```
 */
export function notAnObjectUrl(url: string): RangeError {
  return new RangeError(`Cannot read "${url}": it is not an s3://bucket/key URL`);
}
