/**
 * Deleting resources in dependency order — scheduled actions, scaling policies, alarms, the
 * scalable target, the endpoint (waiting until it is gone, so nothing keeps billing), endpoint
 * config, model, model package and group, S3 objects — from a manifest (the steps' `created[]`,
 * or what the journal and tag scan found). Idempotent: what is already gone counts as success;
 * one failure does not stop the rest.
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
import { errorLine } from "./error_line.ts";
import { InputError } from "./errors.ts";
import type { Journal } from "./journal.ts";
import { isNotFound } from "./not_found.ts";
import { type Orphan, packagesOf } from "./orphans.ts";
import { scalableTargetKey } from "./policies.ts";
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

/**
 * Refuses a manifest with a resource kind cleanup does not know (a hand-edited or foreign
 * `created[]`), before anything is deleted.
 *
 * @example Usage
 * ```ts
 * import { validateManifest } from "./deletion.ts";
 * import assert from "node:assert/strict";
 * validateManifest([{ kind: "model", name: "m" }]);
 * assert.throws(() => validateManifest([{ kind: "spaceship", name: "x" } as never]),
 *   /^InputError: Cannot clean up spaceship "x": cleanup knows the kinds recommendation-job, /);
 * ```
 */
export function validateManifest(manifest: readonly CreatedResource[]): void {
  for (const r of manifest) {
    if (!DELETE_ORDER.includes(r.kind)) {
      throw new InputError(
        `Cannot clean up ${r.kind} "${r.name}": cleanup knows the kinds ${
          DELETE_ORDER.join(", ")
        }; fix or remove that entry of created[] in the --from file`,
      );
    }
    if (r.kind === "s3-object" && !/^s3:\/\/[^/]+\/.+$/.test(r.name)) {
      throw new InputError(
        `Cannot clean up s3-object "${r.name}": its name must be an s3://BUCKET/KEY URL`,
      );
    }
  }
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
  /**
   * Where to record what turned out already gone or is kept (an ended job), so that
   * `cleanup --orphans` no longer lists it; deletions themselves are journaled by the cloud.
   */
  journal?: Journal;
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
  validateManifest(manifest);
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
      if (outcome !== "deleted") {
        await options.journal?.append("deleted", resource, {
          note: outcome === "gone" ? "already gone" : outcome.kept,
        });
      }
    } catch (error) {
      if (isNotFound(error)) {
        result.alreadyGone.push(resource);
        await options.journal?.append("deleted", resource, { note: "already gone" });
      } else {
        // On AWS: operation, status, code and a hint (see cloud/aws_errors.ts), not "UnknownError".
        const line = errorLine(error);
        result.failed.push({ resource, error: line });
        progress("cleanup", `cannot delete ${resource.kind} ${resource.name}: ${line}`);
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

/**
 * Deletes orphans (see {@linkcode findOrphans}) in dependency order; a model package group's
 * packages go first, also those no journal named.
 *
 * @example Usage
 * ```ts ignore
 * const result = await deleteOrphans(cloud, await findOrphans(cloud, { records, scope }), { journal });
 * ```
 */
export async function deleteOrphans(
  cloud: Cloud,
  orphans: readonly Orphan[],
  options: CleanupOptions = {},
): Promise<CleanupResult> {
  const list: CreatedResource[] = orphans.map(({ kind, name, arn, resourceId }) => ({
    kind,
    name,
    ...(arn ? { arn } : {}),
    ...(resourceId ? { resourceId } : {}),
  }));
  for (const o of orphans) {
    if (o.kind !== "model-package-group") continue;
    for (const p of await packagesOf(cloud, o.name)) {
      if (!list.some((r) => r.kind === "model-package" && (r.arn ?? r.name) === p.arn)) {
        list.push({ kind: "model-package", name: p.name, arn: p.arn });
      }
    }
  }
  return await cleanup(cloud, list, options);
}
