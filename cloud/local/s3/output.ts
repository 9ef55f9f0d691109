/**
 * What the local S3 answers: the object fields of GetObject and HeadObject, a GetObject body
 * with the SDK's stream helpers, and ListObjectsV2's continuation token.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { Readable } from "node:stream";
import { bodyReadTwice } from "./messages.ts";
import type { ObjectRecord } from "./records.ts";

/**
 * The fields GetObject and HeadObject answer for a stored object.
 *
 * @example Usage
 * ```ts
 * import { headFields } from "./output.ts";
 * import assert from "node:assert/strict";
 * const fields = headFields({
 *   Bucket: "b", Key: "k", Size: 2, ETag: '"e"', ContentType: "text/plain", LastModified: 0,
 *   Metadata: {}, file: "f",
 * });
 * assert.equal(fields.ContentLength, 2);
 * ```
 */
export function headFields(o: ObjectRecord): {
  AcceptRanges: string;
  ContentLength: number;
  ContentType: string;
  ETag: string;
  LastModified: Date;
  Metadata: Record<string, string>;
} {
  return {
    AcceptRanges: "bytes",
    ContentLength: o.Size,
    ContentType: o.ContentType,
    ETag: o.ETag,
    LastModified: new Date(o.LastModified),
    Metadata: { ...o.Metadata },
  };
}

/**
 * A GetObject body with the SDK's stream helpers (`transformToByteArray` ...), readable once.
 *
 * @example Usage
 * ```ts
 * import { sdkBody } from "./output.ts";
 * import assert from "node:assert/strict";
 * const body = sdkBody(new TextEncoder().encode("hi"));
 * assert.equal(await (body.transformToString as () => Promise<string>)(), "hi");
 * ```
 */
export function sdkBody(bytes: Uint8Array): Readable & Record<string, unknown> {
  const stream = Readable.from([Buffer.from(bytes)]) as Readable & Record<string, unknown>;
  let used = false;
  const once = () => {
    if (used) throw bodyReadTwice();
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

/**
 * The ContinuationToken of the next ListObjectsV2 page: the last key (or skipped prefix) of
 * this one, base64url-encoded ({@linkcode ./validate.ts#listStartsAfter} reads it back).
 *
 * @example Usage
 * ```ts
 * import { continuationToken } from "./output.ts";
 * import assert from "node:assert/strict";
 * assert.equal(continuationToken("b"), "Yg");
 * ```
 */
export function continuationToken(lastReturned: string): string {
  return Buffer.from(lastReturned, "utf8").toString("base64url");
}
