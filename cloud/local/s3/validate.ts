/**
 * The request checks of the local S3: bucket names, keys, location constraints, upload size and
 * ListObjectsV2's paging fields. Each throws the error S3 answers (`./messages.ts`).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import {
  entityTooLarge,
  illegalLocationConstraint,
  invalidContinuationToken,
  invalidLocationConstraint,
  invalidMaxKeys,
  keyTooLong,
  missingField,
} from "./messages.ts";

/** The largest object a single PutObject uploads: 5 GiB (S3 PutObject API reference). */
export const MAX_PUT_OBJECT_BYTES = 5 * 1024 ** 3;

/**
 * Whether a bucket name follows S3's general-purpose bucket naming rules (3–63 characters,
 * lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit, no
 * adjacent dots, not an IP address, no reserved prefixes/suffixes).
 *
 * @example Usage
 * ```ts
 * import { isValidBucketName } from "./validate.ts";
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

/**
 * A required non-empty string field of a request.
 *
 * @example Usage
 * ```ts
 * import { requireString } from "./validate.ts";
 * import assert from "node:assert/strict";
 * assert.equal(requireString("b", "Bucket"), "b");
 * assert.throws(() => requireString("", "Bucket"), /Missing required field: Bucket/);
 * ```
 */
export function requireString(value: unknown, field: string): string {
  if (typeof value !== "string" || value.length === 0) throw missingField(field);
  return value;
}

/**
 * An object key: present, and at most 1,024 bytes of UTF-8.
 *
 * @example Usage
 * ```ts
 * import { validKey } from "./validate.ts";
 * import assert from "node:assert/strict";
 * assert.equal(validKey("model/model.tar.gz"), "model/model.tar.gz");
 * assert.throws(() => validKey("k".repeat(1025)), { name: "KeyTooLongError" });
 * ```
 */
export function validKey(key: unknown): string {
  const k = requireString(key, "Key");
  if (new TextEncoder().encode(k).length > 1024) throw keyTooLong();
  return k;
}

/**
 * CreateBucket's location constraint against the region the request went to: none (or "") in
 * us-east-1, the region itself anywhere else.
 *
 * @example Usage
 * ```ts
 * import { checkLocationConstraint } from "./validate.ts";
 * import assert from "node:assert/strict";
 * checkLocationConstraint(undefined, "us-east-1");
 * checkLocationConstraint("eu-west-1", "eu-west-1");
 * assert.throws(() => checkLocationConstraint(undefined, "eu-west-1"), {
 *   name: "IllegalLocationConstraintException",
 * });
 * ```
 */
export function checkLocationConstraint(constraint: string | undefined, region: string): void {
  if (region === "us-east-1") {
    if (constraint !== undefined && constraint !== "") throw invalidLocationConstraint();
  } else if (constraint !== region) {
    throw illegalLocationConstraint(constraint);
  }
}

/**
 * The size of a PutObject body: at most {@linkcode MAX_PUT_OBJECT_BYTES}.
 *
 * @example Usage
 * ```ts
 * import { checkObjectSize } from "./validate.ts";
 * import assert from "node:assert/strict";
 * checkObjectSize(1024);
 * assert.throws(() => checkObjectSize(6 * 1024 ** 3), { name: "EntityTooLarge" });
 * ```
 */
export function checkObjectSize(bytes: number): void {
  if (bytes > MAX_PUT_OBJECT_BYTES) throw entityTooLarge();
}

/**
 * ListObjectsV2's MaxKeys (default 1,000): a non-negative integer.
 *
 * @example Usage
 * ```ts
 * import { validMaxKeys } from "./validate.ts";
 * import assert from "node:assert/strict";
 * assert.equal(validMaxKeys(undefined), 1000);
 * assert.throws(() => validMaxKeys(-1), { name: "InvalidArgument" });
 * ```
 */
export function validMaxKeys(maxKeys: number | undefined): number {
  const value = maxKeys ?? 1000;
  if (!Number.isInteger(value) || value < 0) throw invalidMaxKeys();
  return value;
}

/**
 * The key a ListObjectsV2 page starts after: the one its ContinuationToken names, else
 * StartAfter, else "" (tokens are the last key returned, base64url-encoded).
 *
 * @example Usage
 * ```ts
 * import { listStartsAfter } from "./validate.ts";
 * import assert from "node:assert/strict";
 * assert.equal(listStartsAfter({ StartAfter: "a" }), "a");
 * assert.equal(listStartsAfter({ ContinuationToken: "Yg" }), "b");
 * assert.throws(() => listStartsAfter({ ContinuationToken: "" }), { name: "InvalidArgument" });
 * ```
 */
export function listStartsAfter(
  input: { StartAfter?: string; ContinuationToken?: string },
): string {
  if (input.ContinuationToken === undefined) return input.StartAfter ?? "";
  try {
    const after = Buffer.from(input.ContinuationToken, "base64url").toString("utf8");
    if (after === "") throw new Error("empty token");
    return after;
  } catch {
    throw invalidContinuationToken();
  }
}
