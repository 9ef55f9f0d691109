/**
 * The journaled cloud: wraps a {@linkcode Cloud}'s senders so that every create call of every
 * step is recorded in the {@linkcode Journal} (intent before, created or failed after) and
 * tagged with the toolkit and the run id, and every delete call is recorded as deleted. The
 * create and delete operations are recognised by pure tables (`createdBy`, `deletedBy`).
 *
 * @module
 */
import type { Cloud } from "../cloud/types.ts";
import { wrapSenders } from "../cloud/wrap.ts";
import { type Journal, type JournalResource, RUN_ID_TAG, TOOLKIT, TOOLKIT_TAG } from "./journal.ts";
import { isNotFound } from "./not_found.ts";

/** The tags every resource of a run carries. */
export function runTags(runId: string): { Key: string; Value: string }[] {
  return [{ Key: TOOLKIT_TAG, Value: TOOLKIT }, { Key: RUN_ID_TAG, Value: runId }];
}

// deno-lint-ignore no-explicit-any
type Input = Record<string, any>;

const SAGEMAKER_TAGGED = new Set([
  "CreateModel",
  "CreateEndpointConfig",
  "CreateEndpoint",
  "CreateModelPackageGroup",
  "CreateModelPackage",
  "CreateInferenceRecommendationsJob",
  "PutMetricAlarm",
]);

/**
 * The input of a create call with the run's tags added (kept tags win): `Tags` as a list for
 * SageMaker and CloudWatch, as a map for RegisterScalableTarget, `Tagging` (URL-encoded) for
 * S3 PutObject. Other operations are returned unchanged.
 *
 * @example Usage
 * ```ts
 * import { withRunTags } from "./journaled_cloud.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(withRunTags({ operation: "CreateModel", input: { ModelName: "m" } }, "r1").Tags.map((t: { Key: string }) => t.Key),
 *   ["sagemaker-scaling-lab:toolkit", "sagemaker-scaling-lab:run-id"]);
 * assert.equal(withRunTags({ operation: "PutObject", input: { Key: "k" } }, "r1").Tagging,
 *   "sagemaker-scaling-lab%3Atoolkit=sagemaker-scaling-lab&sagemaker-scaling-lab%3Arun-id=r1");
 * assert.deepEqual(withRunTags({ operation: "RegisterScalableTarget", input: {} }, "r1").Tags["sagemaker-scaling-lab:run-id"], "r1");
 * ```
 */
export function withRunTags(call: { operation: string; input: Input }, runId: string): Input {
  const { operation, input } = call;
  const tags = runTags(runId);
  if (SAGEMAKER_TAGGED.has(operation)) {
    const kept = (input.Tags ?? []) as { Key: string }[];
    return {
      ...input,
      Tags: [...kept, ...tags.filter((t) => !kept.some((k) => k.Key === t.Key))],
    };
  }
  if (operation === "RegisterScalableTarget") {
    return {
      ...input,
      Tags: { ...Object.fromEntries(tags.map((t) => [t.Key, t.Value])), ...input.Tags },
    };
  }
  if (operation === "PutObject") {
    const kept = new URLSearchParams(input.Tagging ?? "");
    for (const t of tags) if (!kept.has(t.Key)) kept.append(t.Key, t.Value);
    return { ...input, Tagging: kept.toString() };
  }
  return input;
}

/**
 * The resource a create operation makes, from its input; undefined for other operations.
 *
 * @example Usage
 * ```ts
 * import { createdBy } from "./journaled_cloud.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(createdBy("PutObject", { Bucket: "b", Key: "k" }), { kind: "s3-object", name: "s3://b/k" });
 * assert.deepEqual(createdBy("CreateEndpointConfig", { EndpointConfigName: "e",
 *   ProductionVariants: [{ InstanceType: "ml.c5.large", InitialInstanceCount: 2 }] }),
 *   { kind: "endpoint-config", name: "e", instanceType: "ml.c5.large", instanceCount: 2 });
 * assert.equal(createdBy("DescribeEndpoint", { EndpointName: "e" }), undefined);
 * ```
 */
export function createdBy(operation: string, input: Input): JournalResource | undefined {
  switch (operation) {
    case "PutObject":
      return { kind: "s3-object", name: `s3://${input.Bucket}/${input.Key}` };
    case "CreateModel":
      return { kind: "model", name: input.ModelName };
    case "CreateEndpointConfig": {
      const v = input.ProductionVariants?.[0];
      return {
        kind: "endpoint-config",
        name: input.EndpointConfigName,
        ...(v?.InstanceType ? { instanceType: v.InstanceType } : {}),
        ...(v?.InitialInstanceCount ? { instanceCount: v.InitialInstanceCount } : {}),
      };
    }
    case "CreateEndpoint":
      return { kind: "endpoint", name: input.EndpointName };
    case "CreateModelPackageGroup":
      return { kind: "model-package-group", name: input.ModelPackageGroupName };
    case "CreateModelPackage":
      return {
        kind: "model-package",
        name: input.ModelPackageGroupName,
        group: input.ModelPackageGroupName,
      };
    case "CreateInferenceRecommendationsJob":
      return { kind: "recommendation-job", name: input.JobName };
    case "PutMetricAlarm":
      return { kind: "alarm", name: input.AlarmName };
    case "RegisterScalableTarget":
      return { kind: "scalable-target", name: input.ResourceId, resourceId: input.ResourceId };
    case "PutScalingPolicy":
      return { kind: "scaling-policy", name: input.PolicyName, resourceId: input.ResourceId };
    case "PutScheduledAction":
      return {
        kind: "scheduled-action",
        name: input.ScheduledActionName,
        resourceId: input.ResourceId,
      };
  }
  return undefined;
}

/** What only a create call's answer knows: the ARN. */
function fromOutput(operation: string, output: Input): Partial<JournalResource> {
  const arn = output?.ModelArn ?? output?.EndpointConfigArn ?? output?.EndpointArn ??
    output?.ModelPackageGroupArn ?? output?.JobArn ?? output?.ScalableTargetARN ??
    output?.PolicyARN;
  if (operation === "CreateModelPackage" && output?.ModelPackageArn) {
    return { name: output.ModelPackageArn, arn: output.ModelPackageArn };
  }
  return typeof arn === "string" ? { arn } : {};
}

/**
 * The resources a delete operation removes, from its input; empty for other operations.
 *
 * @example Usage
 * ```ts
 * import { deletedBy } from "./journaled_cloud.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(deletedBy("DeleteAlarms", { AlarmNames: ["a", "b"] }).map((r) => r.name), ["a", "b"]);
 * assert.deepEqual(deletedBy("DeleteObject", { Bucket: "b", Key: "k" }), [{ kind: "s3-object", name: "s3://b/k" }]);
 * ```
 */
export function deletedBy(operation: string, input: Input): JournalResource[] {
  switch (operation) {
    case "DeleteObject":
      return [{ kind: "s3-object", name: `s3://${input.Bucket}/${input.Key}` }];
    case "DeleteModel":
      return [{ kind: "model", name: input.ModelName }];
    case "DeleteEndpointConfig":
      return [{ kind: "endpoint-config", name: input.EndpointConfigName }];
    case "DeleteEndpoint":
      return [{ kind: "endpoint", name: input.EndpointName }];
    case "DeleteModelPackageGroup":
      return [{ kind: "model-package-group", name: input.ModelPackageGroupName }];
    case "DeleteModelPackage":
      return [{ kind: "model-package", name: input.ModelPackageName }];
    case "StopInferenceRecommendationsJob":
      return [{ kind: "recommendation-job", name: input.JobName }];
    case "DeleteAlarms":
      return ((input.AlarmNames ?? []) as string[]).map((name) => ({ kind: "alarm", name }));
    case "DeregisterScalableTarget":
      return [{ kind: "scalable-target", name: input.ResourceId, resourceId: input.ResourceId }];
    case "DeleteScalingPolicy":
      return [{ kind: "scaling-policy", name: input.PolicyName, resourceId: input.ResourceId }];
    case "DeleteScheduledAction":
      return [{
        kind: "scheduled-action",
        name: input.ScheduledActionName,
        resourceId: input.ResourceId,
      }];
  }
  return [];
}

/** The operation name of an SDK v3 command (`CreateModelCommand` gives `CreateModel`). */
function operationOf(command: unknown): string {
  const schema = (command as { schema?: unknown }).schema;
  if (Array.isArray(schema) && typeof schema[2] === "string") return schema[2];
  const name = (command as { constructor?: { name?: string } }).constructor?.name ?? "";
  return name.endsWith("Command") ? name.slice(0, -"Command".length) : name;
}

/**
 * A cloud that journals every create and delete call of every step, and tags what it creates
 * with the run id. Instance type and count of an endpoint come from the endpoint config this
 * cloud created (for cost per hour).
 *
 * @example Usage
 * ```ts
 * import { Journal, readJournal } from "./journal.ts";
 * import { journaledCloud } from "./journaled_cloud.ts";
 * import { openCloud } from "../cloud/open.ts";
 * import { CreateModelPackageGroupCommand } from "@aws-sdk/client-sagemaker";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const raw = await openCloud({ localDir: dir });
 * const journal = new Journal(raw, { path: `${dir}/journal.jsonl`, localDir: dir });
 * const cloud = journaledCloud(raw, journal);
 * await cloud.sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: "g" }));
 * const records = await readJournal(journal.path);
 * assert.deepEqual(records.map((r) => r.event), ["intent", "created"]);
 * assert.equal(records[1].runId, journal.runId);
 * await raw.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function journaledCloud(cloud: Cloud, journal: Journal): Cloud {
  const configs = new Map<string, JournalResource>();
  return wrapSenders(cloud, (_service, send) => async (command: never) => {
    const operation = operationOf(command);
    const created = createdBy(operation, (command as { input?: Input }).input ?? {});
    if (created !== undefined) {
      const Ctor = (command as { constructor: new (input: Input) => never }).constructor;
      const tagged = new Ctor(
        withRunTags({ operation, input: (command as { input: Input }).input }, journal.runId),
      );
      const resource = created.kind === "endpoint"
        ? { ...configs.get((command as { input: Input }).input.EndpointConfigName), ...created }
        : created;
      if (created.kind === "endpoint-config") configs.set(created.name, created);
      return await journal.create(
        resource,
        () => send(tagged),
        { after: (output) => fromOutput(operation, output as Input) },
      );
    }
    const deleted = deletedBy(operation, (command as { input?: Input }).input ?? {});
    if (deleted.length === 0) return await send(command);
    try {
      const output = await send(command);
      for (const r of deleted) await journal.append("deleted", r);
      return output;
    } catch (error) {
      if (isNotFound(error)) {
        for (const r of deleted) await journal.append("deleted", r, { note: "already gone" });
      }
      throw error;
    }
  });
}
