/**
 * Step `cleanup` (section 9 of the original, done completely): deletes everything the walkthrough
 * created — scheduled actions, scaling policies, alarms, the scalable target, the endpoint (and
 * waits until it is gone, so nothing keeps billing), endpoint config, model, model package and
 * group, S3 objects — from the `created[]` manifests the steps return, never by searching tags.
 * Idempotent: what is already gone is reported as such; one failure does not stop the rest.
 *
 * @module
 */
import {
  DeleteScalingPolicyCommand,
  DeleteScheduledActionCommand,
  DeregisterScalableTargetCommand,
} from "@aws-sdk/client-application-auto-scaling";
import { DeleteAlarmsCommand, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { DeleteObjectCommand } from "@aws-sdk/client-s3";
import {
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DeleteModelPackageCommand,
  DeleteModelPackageGroupCommand,
  DescribeEndpointCommand,
  DescribeInferenceRecommendationsJobCommand,
  StopInferenceRecommendationsJobCommand,
} from "@aws-sdk/client-sagemaker";
import type { Cloud } from "../cloud/types.ts";
import { scalableTargetKey } from "./policies.ts";
import { runScript, type ScriptSpec, table } from "./script.ts";
import type { CleanupResult, CreatedResource, ResourceKind } from "./types.ts";
import { pollUntil, progress } from "./wait.ts";

/** The order resources are deleted in: what depends on something goes before it. */
export const DELETE_ORDER: readonly ResourceKind[] = [
  "recommendation-job",
  "scheduled-action",
  "scaling-policy",
  "alarm",
  "scalable-target",
  "endpoint",
  "endpoint-config",
  "model",
  "model-package",
  "model-package-group",
  "s3-object",
];

const NOT_FOUND_NAMES = new Set([
  "ResourceNotFound",
  "ObjectNotFoundException",
  "NoSuchKey",
  "NoSuchBucket",
  "NotFound",
]);

/**
 * Whether an AWS error means "it does not exist" (SageMaker answers a missing endpoint, config or
 * model with a ValidationException "Could not find ...").
 *
 * @example Usage
 * ```ts
 * import { isNotFound } from "./cleanup.ts";
 * import assert from "node:assert/strict";
 * assert.ok(isNotFound(Object.assign(new Error("Could not find endpoint \"e\"."), { name: "ValidationException" })));
 * assert.ok(!isNotFound(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" })));
 * ```
 */
export function isNotFound(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (NOT_FOUND_NAMES.has(error.name)) return true;
  return error.name === "ValidationException" &&
    /could not find|does not exist|not found/i.test(error.message);
}

/**
 * Every `created[]` entry found anywhere in some step results (a walkthrough result nests them),
 * without duplicates, in the order found.
 *
 * @example Usage
 * ```ts
 * import { collectCreated } from "./cleanup.ts";
 * import assert from "node:assert/strict";
 * const found = collectCreated([{ created: [{ kind: "model", name: "m" }] }, { a: { created: [{ kind: "model", name: "m" }] } }]);
 * assert.equal(found.length, 1);
 * ```
 */
export function collectCreated(values: readonly unknown[]): CreatedResource[] {
  const out: CreatedResource[] = [];
  const seen = new Set<string>();
  const visit = (v: unknown) => {
    if (Array.isArray(v)) return v.forEach(visit);
    if (typeof v !== "object" || v === null) return;
    const created = (v as { created?: unknown }).created;
    if (Array.isArray(created)) {
      for (const r of created) {
        if (typeof r?.kind === "string" && typeof r?.name === "string") {
          const key = `${r.kind}|${r.resourceId ?? ""}|${r.name}`;
          if (!seen.has(key)) {
            seen.add(key);
            out.push(r as CreatedResource);
          }
        }
      }
    }
    for (const [k, child] of Object.entries(v)) if (k !== "created") visit(child);
  };
  values.forEach(visit);
  return out;
}

/** Options of {@linkcode cleanup}. */
export interface CleanupOptions {
  /**
   * Milliseconds between DescribeEndpoint polls while an endpoint is deleted.
   * @default {15000}
   */
  pollIntervalMs?: number;
}

/**
 * Deletes the resources of a manifest in dependency order.
 *
 * @example Usage
 * ```ts ignore
 * const result = await cleanup(cloud, manifest);
 * console.log(result.deleted.length, result.failed);
 * ```
 */
export async function cleanup(
  cloud: Cloud,
  manifest: readonly CreatedResource[],
  options: CleanupOptions = {},
): Promise<CleanupResult> {
  const result: CleanupResult = { deleted: [], alreadyGone: [], kept: [], failed: [] };
  const ordered = [...manifest].sort((a, b) =>
    DELETE_ORDER.indexOf(a.kind) - DELETE_ORDER.indexOf(b.kind)
  );
  for (const resource of ordered) {
    try {
      const outcome = await deleteOne(cloud, resource, options);
      if (outcome === "deleted") result.deleted.push(resource);
      else if (outcome === "gone") result.alreadyGone.push(resource);
      else result.kept.push({ resource, why: outcome.kept });
    } catch (error) {
      if (isNotFound(error)) {
        result.alreadyGone.push(resource);
      } else {
        result.failed.push({ resource, error: (error as Error).message });
        progress(
          "cleanup",
          `cannot delete ${resource.kind} ${resource.name}: ${(error as Error).message}`,
        );
      }
    }
  }
  return result;
}

type Outcome = "deleted" | "gone" | { kept: string };

/** An endpoint's status, or `gone` when it does not exist. */
async function endpointStatus(cloud: Cloud, name: string): Promise<string> {
  try {
    const e = await cloud.sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }));
    return e.EndpointStatus ?? "";
  } catch (error) {
    if (isNotFound(error)) return "gone";
    throw error;
  }
}

async function deleteOne(
  cloud: Cloud,
  r: CreatedResource,
  options: CleanupOptions,
): Promise<Outcome> {
  const aas = scalableTargetKey(r.resourceId);
  switch (r.kind) {
    case "recommendation-job": {
      const job = await cloud.sagemaker.send(
        new DescribeInferenceRecommendationsJobCommand({ JobName: r.name }),
      );
      if (job.Status === "PENDING" || job.Status === "IN_PROGRESS") {
        await cloud.sagemaker.send(new StopInferenceRecommendationsJobCommand({ JobName: r.name }));
        return "deleted";
      }
      return {
        kept:
          `the job is ${job.Status}; Inference Recommender jobs cannot be deleted and cost nothing once ended`,
      };
    }
    case "scheduled-action":
      await cloud.autoscaling.send(
        new DeleteScheduledActionCommand({ ...aas, ScheduledActionName: r.name }),
      );
      return "deleted";
    case "scaling-policy":
      await cloud.autoscaling.send(new DeleteScalingPolicyCommand({ ...aas, PolicyName: r.name }));
      return "deleted";
    case "alarm": {
      const found = await cloud.cloudwatch.send(
        new DescribeAlarmsCommand({ AlarmNames: [r.name] }),
      );
      if ((found.MetricAlarms ?? []).length === 0 && (found.CompositeAlarms ?? []).length === 0) {
        return "gone";
      }
      await cloud.cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: [r.name] }));
      return "deleted";
    }
    case "scalable-target":
      await cloud.autoscaling.send(new DeregisterScalableTargetCommand(aas));
      return "deleted";
    case "endpoint": {
      // SageMaker refuses to delete an endpoint that is Creating or Updating: wait for it to settle.
      const settled = await pollUntil(
        cloud.clock,
        () => endpointStatus(cloud, r.name),
        {
          done: (status) =>
            !["Creating", "Updating", "SystemUpdating", "RollingBack"].includes(status),
          what: `endpoint "${r.name}" to settle before deletion`,
          intervalMs: options.pollIntervalMs ?? 15_000,
          timeoutMs: 3_600_000,
        },
      );
      if (settled === "gone") return "gone";
      if (settled !== "Deleting") {
        await cloud.sagemaker.send(new DeleteEndpointCommand({ EndpointName: r.name }));
      }
      progress("cleanup", `deleting endpoint ${r.name}`);
      // Wait until it is gone: an endpoint still Deleting is still there.
      await pollUntil(
        cloud.clock,
        () => endpointStatus(cloud, r.name),
        {
          done: (status) => status === "gone" || status === "Failed",
          what: `endpoint "${r.name}" to be deleted`,
          intervalMs: options.pollIntervalMs ?? 15_000,
          timeoutMs: 1_800_000,
        },
      );
      return "deleted";
    }
    case "endpoint-config":
      await cloud.sagemaker.send(new DeleteEndpointConfigCommand({ EndpointConfigName: r.name }));
      return "deleted";
    case "model":
      await cloud.sagemaker.send(new DeleteModelCommand({ ModelName: r.name }));
      return "deleted";
    case "model-package":
      await cloud.sagemaker.send(
        new DeleteModelPackageCommand({ ModelPackageName: r.arn ?? r.name }),
      );
      return "deleted";
    case "model-package-group":
      await cloud.sagemaker.send(
        new DeleteModelPackageGroupCommand({ ModelPackageGroupName: r.name }),
      );
      return "deleted";
    case "s3-object": {
      const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(r.name);
      if (!match) throw new Error(`Cannot delete "${r.name}": it is not an s3://bucket/key URL`);
      await cloud.s3.send(new DeleteObjectCommand({ Bucket: match[1], Key: match[2] }));
      return "deleted";
    }
  }
}

/** How a cleanup reads for people. */
export function renderCleanup(r: CleanupResult): string {
  return table([
    ["Deleted", r.deleted.map((d) => `${d.kind} ${d.name}`).join("\n  ") || "nothing"],
    ["Already gone", r.alreadyGone.length],
    [
      "Kept",
      r.kept.map((k) => `${k.resource.kind} ${k.resource.name} (${k.why})`).join("\n  ") ||
      "nothing",
    ],
    [
      "Failed",
      r.failed.map((f) => `${f.resource.kind} ${f.resource.name}: ${f.error}`).join("\n  ") ||
      "nothing",
    ],
  ]);
}

/** The `cleanup` script's flags. */
export const CLEANUP_SCRIPT: ScriptSpec = {
  name: "cleanup",
  summary: "delete everything the steps created, from their created[] manifests (section 9)",
  flags: {},
  examples: [
    "deno task cleanup --from prepared.json --from recommendation.json --from scaled.json --from evaluation.json",
  ],
};

if (import.meta.main) {
  await runScript(CLEANUP_SCRIPT, async (ctx) => {
    const manifest = collectCreated(ctx.fromFiles);
    const result = await cleanup(await ctx.cloud(), manifest);
    if (result.failed.length > 0) {
      console.log(ctx.json ? JSON.stringify(result, null, 2) : renderCleanup(result));
      throw new Error(
        `${result.failed.length} resource(s) could not be deleted; run cleanup again with the same --from files`,
      );
    }
    return result;
  }, { render: renderCleanup });
}
