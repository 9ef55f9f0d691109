/**
 * Reading tags back, for the four services: SageMaker `ListTags`, CloudWatch and Application
 * Auto Scaling `ListTagsForResource`, S3 `GetObjectTagging` (and the `Tagging` of `PutObject`,
 * which the S3 handlers do not keep: the PutObject and DeleteObject here wrap them). The create
 * handlers already keep `Tags` on their records; these handlers find a record by its ARN.
 *
 * Shapes and errors, from the API references:
 * - SageMaker ListTags: `{ ResourceArn, NextToken?, MaxResults? (>= 50) }` -> `{ Tags, NextToken? }`.
 *   No error for a missing resource is documented; [INF] a ValidationException like the
 *   Describe calls' "Could not find ...".
 * - CloudWatch ListTagsForResource: `{ ResourceARN }` (an alarm is
 *   `arn:aws:cloudwatch:Region:account-id:alarm:alarm-name`) -> `{ Tags: [{ Key, Value }] }`;
 *   `ResourceNotFound` (404) when the alarm does not exist.
 * - Application Auto Scaling ListTagsForResource: `{ ResourceARN }` (a scalable target's ARN) ->
 *   `{ Tags: { key: value } }`; `ResourceNotFoundException` when it does not exist.
 * - S3 GetObjectTagging: `{ Bucket, Key }` -> `{ TagSet: [{ Key, Value }] }`; NoSuchKey (404).
 *   PutObject's `Tagging` is URL query encoded (`k1=v1&k2=v2`); at most 10 tags per object.
 *
 * @module
 */
import * as s3 from "@aws-sdk/client-s3";
import { ALARM_KIND, notFound } from "./cloudwatch/alarm_records.ts";
import { AAS_KIND, aasError } from "./autoscaling/records.ts";
import type { LocalContext } from "./kernel/context.ts";
import { errorFactory } from "./kernel/errors.ts";
import { KIND } from "./sagemaker/records.ts";
import { S3_KIND, s3Handlers } from "./s3/mod.ts";
import { noSuchBucket, noSuchKey } from "./s3/messages.ts";
import { objectId } from "./s3/records.ts";
import { sageMakerError } from "./sagemaker/validation.ts";
import type { OperationHandler } from "./kernel/dispatch.ts";

type Tag = { Key: string; Value: string };

/** Store kind of the tag sets of S3 objects. */
export const S3_TAGGING_KIND = "s3-object-tagging";

const s3Fail = errorFactory(s3, s3.S3ServiceException);

/** The ARN field of each SageMaker record kind that can carry tags. */
const SAGEMAKER_ARN_FIELDS: readonly [string, string][] = [
  [KIND.model, "ModelArn"],
  [KIND.endpointConfig, "EndpointConfigArn"],
  [KIND.endpoint, "EndpointArn"],
  [KIND.modelPackageGroup, "ModelPackageGroupArn"],
  [KIND.modelPackage, "ModelPackageArn"],
  [KIND.recommendationJob, "JobArn"],
];

/**
 * Parses an S3 `Tagging` value (URL query encoded) into a tag set.
 *
 * @example Usage
 * ```ts
 * import { parseTagging } from "./tagging.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseTagging("a%3Ab=1&c=two%20words"), [{ Key: "a:b", Value: "1" }, { Key: "c", Value: "two words" }]);
 * ```
 */
export function parseTagging(tagging: string | undefined): Tag[] {
  if (!tagging) return [];
  const tags = [...new URLSearchParams(tagging)].map(([Key, Value]) => ({ Key, Value }));
  if (tags.length > 10) {
    throw s3Fail("BadRequest", "Object tags cannot be greater than 10", 400);
  }
  return tags;
}

/** SageMaker `ListTags`. */
export const sageMakerTaggingHandlers: Record<string, OperationHandler> = {
  ListTags(
    input: { ResourceArn?: string; NextToken?: string; MaxResults?: number },
    ctx: LocalContext,
  ) {
    const arn = input.ResourceArn;
    if (
      typeof arn !== "string" || !/^arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:[0-9]{12}:.+$/.test(arn)
    ) {
      throw sageMakerError(
        "ValidationException",
        `1 validation error detected: Value '${arn}' at 'resourceArn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:[0-9]{12}:.+`,
      );
    }
    for (const [kind, field] of SAGEMAKER_ARN_FIELDS) {
      for (const { doc } of ctx.store.peekDocs<Record<string, unknown>>(kind)) {
        if (doc[field] !== arn) continue;
        const tags = (doc.Tags as Tag[] | undefined) ?? [];
        const start = input.NextToken ? Number(input.NextToken) : 0;
        const size = Math.max(50, input.MaxResults ?? 50);
        const page = tags.slice(start, start + size).map((t) => ({ Key: t.Key, Value: t.Value }));
        return start + size < tags.length
          ? { Tags: page, NextToken: String(start + size) }
          : { Tags: page };
      }
    }
    throw sageMakerError("ValidationException", `Could not find resource "${arn}".`);
  },
};

/** CloudWatch `ListTagsForResource` (alarms). */
export const cloudWatchTaggingHandlers: Record<string, OperationHandler> = {
  ListTagsForResource(input: { ResourceARN?: string }, ctx: LocalContext) {
    const arn = input.ResourceARN ?? "";
    const name = /^arn:aws[a-z-]*:cloudwatch:[^:]*:\d{12}:alarm:(.+)$/.exec(arn)?.[1];
    const alarm = name === undefined
      ? undefined
      : ctx.store.peekDoc<{ AlarmArn: string; Tags?: Tag[] }>(ALARM_KIND, name);
    if (alarm === undefined || alarm.AlarmArn !== arn) {
      throw notFound("The named resource does not exist.");
    }
    return { Tags: (alarm.Tags ?? []).map((t) => ({ Key: t.Key, Value: t.Value })) };
  },
};

/** Application Auto Scaling `ListTagsForResource` (scalable targets). */
export const autoScalingTaggingHandlers: Record<string, OperationHandler> = {
  ListTagsForResource(input: { ResourceARN?: string }, ctx: LocalContext) {
    const arn = input.ResourceARN ?? "";
    const target = ctx.store.peekDocs<{ ScalableTargetARN: string; Tags?: Record<string, string> }>(
      AAS_KIND.target,
    ).find((d) => d.doc.ScalableTargetARN === arn);
    if (target === undefined) {
      throw aasError("ResourceNotFoundException", `No scalable target found for ARN ${arn}`, 400);
    }
    return { Tags: { ...(target.doc.Tags ?? {}) } };
  },
};

/** S3 `GetObjectTagging`, and PutObject / DeleteObject that keep an object's tag set. */
export const s3TaggingHandlers: Record<string, OperationHandler> = {
  async PutObject(input: s3.PutObjectCommandInput, ctx: LocalContext) {
    const tags = parseTagging(input.Tagging);
    const output = await s3Handlers.PutObject(input, ctx);
    const id = objectId(input.Bucket!, input.Key!);
    if (tags.length > 0) ctx.store.putDoc(S3_TAGGING_KIND, id, tags);
    else ctx.store.deleteDoc(S3_TAGGING_KIND, id);
    return output;
  },
  async DeleteObject(input: s3.DeleteObjectCommandInput, ctx: LocalContext) {
    const output = await s3Handlers.DeleteObject(input, ctx);
    ctx.store.deleteDoc(S3_TAGGING_KIND, objectId(input.Bucket!, input.Key!));
    return output;
  },
  GetObjectTagging(input: s3.GetObjectTaggingCommandInput, ctx: LocalContext) {
    const id = objectId(input.Bucket!, input.Key!);
    if (ctx.store.getDoc(S3_KIND.bucket, input.Bucket ?? "") === undefined) {
      throw noSuchBucket();
    }
    if (ctx.store.getDoc(S3_KIND.object, id) === undefined) {
      throw noSuchKey();
    }
    return { TagSet: ctx.store.getDoc<Tag[]>(S3_TAGGING_KIND, id) ?? [] };
  },
};
