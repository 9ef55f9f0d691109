/**
 * ListObjectsV2: one page of a bucket's keys in key order, keys sharing a prefix up to the
 * delimiter rolled up into one CommonPrefix, at most MaxKeys entries (keys and prefixes
 * together), and the continuation token of the next page.
 *
 * @module
 */
import type * as s3 from "@aws-sdk/client-s3";
import type { LocalContext } from "../kernel/context.ts";
import { continuationToken } from "./output.ts";
import { getBucket, type ObjectRecord, S3_KIND } from "./records.ts";
import { listStartsAfter, validMaxKeys } from "./validate.ts";

/**
 * Answers a ListObjectsV2 request from the store.
 *
 * @example Usage
 * ```ts ignore
 * const page = listObjectsV2(ctx, { Bucket: "b", Prefix: "model/", Delimiter: "/" });
 * ```
 */
export function listObjectsV2(
  ctx: LocalContext,
  input: s3.ListObjectsV2CommandInput,
): Omit<s3.ListObjectsV2CommandOutput, "$metadata"> {
  const bucket = getBucket(ctx, input.Bucket);
  const prefix = input.Prefix ?? "";
  const maxKeys = validMaxKeys(input.MaxKeys);
  const after = listStartsAfter(input);
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
    NextContinuationToken: truncated ? continuationToken(lastReturned) : undefined,
    StartAfter: input.StartAfter,
  };
}
