/**
 * Orphans: resources a run created and no finished cleanup removed, found two ways — the journal
 * (what was intended or created and not deleted since) and a tag scan (every resource carrying
 * the toolkit's run-id tag). Each candidate is checked against the backend, so the list shows
 * only what still exists; what turned out gone is written to the journal as deleted.
 *
 * @module
 */
import {
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  DescribeScheduledActionsCommand,
  ListTagsForResourceCommand as AasListTags,
} from "@aws-sdk/client-application-auto-scaling";
import {
  DescribeAlarmsCommand,
  ListTagsForResourceCommand as CwListTags,
} from "@aws-sdk/client-cloudwatch";
import {
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
} from "@aws-sdk/client-s3";
import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeInferenceRecommendationsJobCommand,
  DescribeModelCommand,
  DescribeModelPackageCommand,
  DescribeModelPackageGroupCommand,
  ListEndpointConfigsCommand,
  ListEndpointsCommand,
  ListInferenceRecommendationsJobsCommand,
  ListModelPackageGroupsCommand,
  ListModelPackagesCommand,
  ListModelsCommand,
  ListTagsCommand,
} from "@aws-sdk/client-sagemaker";
import { instanceTypeInfo } from "../cloud/instance_types.ts";
import type { Cloud } from "../cloud/types.ts";
import {
  type Journal,
  type JournalRecord,
  type JournalResource,
  type JournalScope,
  type OutstandingResource,
  outstandingResources,
  resourceKey,
  RUN_ID_TAG,
} from "./journal.ts";
import { isNotFound } from "./not_found.ts";
import { allPages } from "./pages.ts";
import { scalableTargetKey } from "./policies.ts";

/** A resource left behind. */
export interface Orphan extends JournalResource {
  /** The run that made it (unknown for a tag scan hit without the tag value). */
  runId?: string;
  /** Milliseconds since it was created (journal: wall clock; tag scan: the backend's clock). */
  ageMs?: number;
  /** What it costs per hour (endpoints, at the list price of its instances). */
  costPerHour?: number;
  /** How it was found. */
  foundBy: "journal" | "tags" | "journal+tags";
}

/** Options of {@linkcode findOrphans}. */
export interface FindOrphansOptions {
  /** The journal's records (all runs; those of other backends, regions or folders are skipped). */
  records: readonly JournalRecord[];
  /** Where this cloud's resources live (backend, region, local folder). */
  scope: Omit<JournalScope, "runId">;
  /** Writes a deleted record for each journal candidate found gone. */
  journal?: Journal;
  /**
   * Scan tags too (list every resource of each kind and read its tags).
   * @default {true}
   */
  scanTags?: boolean;
}

const ENDED = new Set(["COMPLETED", "FAILED", "STOPPED", "DELETED"]);

/** Whether a record's resource lives where `scope` points. */
function inScope(r: Omit<JournalScope, "runId">, scope: Omit<JournalScope, "runId">): boolean {
  return r.backend === scope.backend && r.region === scope.region &&
    (scope.backend !== "local" || r.localDir === scope.localDir);
}

/**
 * Every resource the journal or the tag scan finds that still exists, in the journal's order
 * then the scan's. A Recommender job that ended is no orphan (it cannot be deleted and costs
 * nothing); an intended model package without ARN is looked up in its group.
 *
 * @example Usage
 * ```ts ignore
 * const orphans = await findOrphans(cloud, { records: await readJournal(JOURNAL_FILE), scope });
 * console.log(renderOrphans(orphans));
 * ```
 */
export async function findOrphans(cloud: Cloud, options: FindOrphansOptions): Promise<Orphan[]> {
  const candidates = outstandingResources(options.records.filter((r) => inScope(r, options.scope)));
  const found = new Map<string, Orphan>();
  const now = Date.now();
  for (const c of candidates) {
    for (const r of await expandPackage(cloud, c)) {
      const there = await stillThere(cloud, r);
      if (!there) {
        await options.journal?.append("deleted", r, { note: "found gone" });
        continue;
      }
      found.set(resourceKey(r), {
        ...resourceOf(r),
        runId: c.runId,
        ageMs: now - Date.parse(c.since),
        foundBy: "journal",
      });
    }
  }
  if (options.scanTags ?? true) {
    const buckets = new Set(
      candidates.concat(outstandingResources(options.records))
        .filter((r) => r.kind === "s3-object")
        .map((r) => /^s3:\/\/([^/]+)\//.exec(r.name)?.[1])
        .filter((b): b is string => b !== undefined),
    );
    // The default bucket too (prepare's), when the account is known: a lost journal still
    // leaves the tags to find its objects by.
    const account = /^arn:aws[a-z-]*:iam::(\d{12}):/.exec(cloud.defaultRoleArn ?? "")?.[1];
    if (account !== undefined) buckets.add(`sagemaker-${cloud.region}-${account}`);
    for (const hit of await scanTags(cloud, [...buckets])) {
      const key = resourceKey(hit);
      const known = found.get(key);
      found.set(key, known ? { ...hit, ...known, foundBy: "journal+tags" } : hit);
    }
  }
  const orphans = [...found.values()];
  for (const o of orphans) {
    if (o.kind === "endpoint") {
      const price = o.instanceType ? instanceTypeInfo(o.instanceType)?.pricePerHour : undefined;
      if (price !== undefined) o.costPerHour = price * (o.instanceCount ?? 1);
    }
  }
  return orphans;
}

function resourceOf(r: JournalResource): JournalResource {
  const { kind, name, arn, resourceId, group, instanceType, instanceCount } = r;
  return Object.fromEntries(
    Object.entries({ kind, name, arn, resourceId, group, instanceType, instanceCount }).filter((
      [, v],
    ) => v !== undefined),
  ) as unknown as JournalResource;
}

/** A model package intended but never confirmed: the packages its group holds. */
async function expandPackage(cloud: Cloud, r: OutstandingResource): Promise<JournalResource[]> {
  if (r.kind !== "model-package" || r.arn !== undefined || r.group === undefined) return [r];
  return await packagesOf(cloud, r.group);
}

/**
 * The model packages (versions) of a group, as resources; none when the group is gone.
 */
export async function packagesOf(cloud: Cloud, group: string): Promise<JournalResource[]> {
  const out: JournalResource[] = [];
  let token: string | undefined;
  try {
    do {
      const page = await cloud.sagemaker.send(
        new ListModelPackagesCommand({ ModelPackageGroupName: group, NextToken: token }),
      );
      for (const p of page.ModelPackageSummaryList ?? []) {
        if (p.ModelPackageArn) {
          out.push({
            kind: "model-package",
            name: p.ModelPackageArn,
            arn: p.ModelPackageArn,
            group,
          });
        }
      }
      token = page.NextToken;
    } while (token);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  return out;
}

/** Whether a resource still exists (a Recommender job: still running). */
async function stillThere(cloud: Cloud, r: JournalResource): Promise<boolean> {
  const sm = cloud.sagemaker;
  try {
    switch (r.kind) {
      case "s3-object": {
        const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(r.name);
        if (!m) return false;
        await cloud.s3.send(new HeadObjectCommand({ Bucket: m[1], Key: m[2] }));
        return true;
      }
      case "model":
        await sm.send(new DescribeModelCommand({ ModelName: r.name }));
        return true;
      case "endpoint-config":
        await sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: r.name }));
        return true;
      case "endpoint":
        await sm.send(new DescribeEndpointCommand({ EndpointName: r.name }));
        return true;
      case "model-package-group":
        await sm.send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: r.name }));
        return true;
      case "model-package":
        await sm.send(new DescribeModelPackageCommand({ ModelPackageName: r.arn ?? r.name }));
        return true;
      case "recommendation-job": {
        const job = await sm.send(
          new DescribeInferenceRecommendationsJobCommand({ JobName: r.name }),
        );
        return !ENDED.has(job.Status ?? "");
      }
      case "alarm": {
        const a = await cloud.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [r.name] }));
        return (a.MetricAlarms ?? []).length + (a.CompositeAlarms ?? []).length > 0;
      }
      case "scalable-target": {
        const t = await cloud.autoscaling.send(
          new DescribeScalableTargetsCommand({
            ServiceNamespace: "sagemaker",
            ResourceIds: [r.resourceId ?? r.name],
          }),
        );
        return (t.ScalableTargets ?? []).length > 0;
      }
      case "scaling-policy": {
        const p = await cloud.autoscaling.send(
          new DescribeScalingPoliciesCommand({
            ...scalableTargetKey(r.resourceId),
            PolicyNames: [r.name],
          }),
        );
        return (p.ScalingPolicies ?? []).length > 0;
      }
      case "scheduled-action": {
        const a = await cloud.autoscaling.send(
          new DescribeScheduledActionsCommand({
            ...scalableTargetKey(r.resourceId),
            ScheduledActionNames: [r.name],
          }),
        );
        return (a.ScheduledActions ?? []).length > 0;
      }
    }
  } catch (error) {
    if (isNotFound(error) || (error as Error).name === "NotFound") return false;
    throw error;
  }
  return false;
}

type Listed = { resource: JournalResource; arn: string; created?: Date };

/**
 * Every resource on the backend carrying the run-id tag: SageMaker models, endpoint configs,
 * endpoints, model package groups and running Recommender jobs (`ListTags`), CloudWatch alarms
 * and Application Auto Scaling scalable targets (`ListTagsForResource`), and S3 objects of the
 * given buckets (`GetObjectTagging`).
 */
export async function scanTags(cloud: Cloud, buckets: readonly string[]): Promise<Orphan[]> {
  const sm = cloud.sagemaker;
  const listed: Listed[] = [];
  const add = (kind: JournalResource["kind"], name?: string, arn?: string, created?: Date) => {
    if (name && arn) listed.push({ resource: { kind, name }, arn, created });
  };
  for (
    const m of await allPages(async (NextToken) => {
      const r = await sm.send(new ListModelsCommand({ NextToken, MaxResults: 100 }));
      return { items: r.Models ?? [], next: r.NextToken };
    })
  ) add("model", m.ModelName, m.ModelArn, m.CreationTime);
  for (
    const c of await allPages(async (NextToken) => {
      const r = await sm.send(new ListEndpointConfigsCommand({ NextToken, MaxResults: 100 }));
      return { items: r.EndpointConfigs ?? [], next: r.NextToken };
    })
  ) add("endpoint-config", c.EndpointConfigName, c.EndpointConfigArn, c.CreationTime);
  for (
    const e of await allPages(async (NextToken) => {
      const r = await sm.send(new ListEndpointsCommand({ NextToken, MaxResults: 100 }));
      return { items: r.Endpoints ?? [], next: r.NextToken };
    })
  ) add("endpoint", e.EndpointName, e.EndpointArn, e.CreationTime);
  for (
    const g of await allPages(async (NextToken) => {
      const r = await sm.send(new ListModelPackageGroupsCommand({ NextToken, MaxResults: 100 }));
      return { items: r.ModelPackageGroupSummaryList ?? [], next: r.NextToken };
    })
  ) add("model-package-group", g.ModelPackageGroupName, g.ModelPackageGroupArn, g.CreationTime);
  for (
    const j of await allPages(async (NextToken) => {
      const r = await sm.send(
        new ListInferenceRecommendationsJobsCommand({ NextToken, MaxResults: 100 }),
      );
      return { items: r.InferenceRecommendationsJobs ?? [], next: r.NextToken };
    })
  ) {
    if (!ENDED.has(j.Status ?? "")) add("recommendation-job", j.JobName, j.JobArn, j.CreationTime);
  }
  const hits: Orphan[] = [];
  const now = cloud.clock.now().getTime();
  const hit = (l: Listed, runId: string | undefined) => {
    if (runId === undefined) return;
    hits.push({
      ...l.resource,
      arn: l.resource.kind === "model-package" ? l.arn : undefined,
      runId,
      ...(l.created ? { ageMs: now - l.created.getTime() } : {}),
      foundBy: "tags",
    });
  };
  for (const l of listed) {
    const tags = await allPages(async (NextToken) => {
      const r = await sm.send(new ListTagsCommand({ ResourceArn: l.arn, NextToken }));
      return { items: r.Tags ?? [], next: r.NextToken };
    });
    hit(l, tags.find((t) => t.Key === RUN_ID_TAG)?.Value);
  }
  for (
    const a of await allPages(async (NextToken) => {
      const r = await cloud.cloudwatch.send(new DescribeAlarmsCommand({ NextToken }));
      return { items: r.MetricAlarms ?? [], next: r.NextToken };
    })
  ) {
    if (!a.AlarmName || !a.AlarmArn) continue;
    const r = await cloud.cloudwatch.send(new CwListTags({ ResourceARN: a.AlarmArn }));
    hit(
      {
        resource: { kind: "alarm", name: a.AlarmName },
        arn: a.AlarmArn,
        created: a.AlarmConfigurationUpdatedTimestamp,
      },
      r.Tags?.find((t) => t.Key === RUN_ID_TAG)?.Value,
    );
  }
  for (
    const t of await allPages(async (NextToken) => {
      const r = await cloud.autoscaling.send(
        new DescribeScalableTargetsCommand({ ServiceNamespace: "sagemaker", NextToken }),
      );
      return { items: r.ScalableTargets ?? [], next: r.NextToken };
    })
  ) {
    if (!t.ResourceId || !t.ScalableTargetARN) continue;
    const r = await cloud.autoscaling.send(new AasListTags({ ResourceARN: t.ScalableTargetARN }));
    hit(
      {
        resource: { kind: "scalable-target", name: t.ResourceId, resourceId: t.ResourceId },
        arn: t.ScalableTargetARN,
        created: t.CreationTime,
      },
      r.Tags?.[RUN_ID_TAG],
    );
  }
  for (const bucket of buckets) {
    const objects = await allPages(async (ContinuationToken) => {
      try {
        const r = await cloud.s3.send(
          new ListObjectsV2Command({ Bucket: bucket, ContinuationToken }),
        );
        return { items: r.Contents ?? [], next: r.NextContinuationToken };
      } catch (error) {
        if (isNotFound(error)) return { items: [] };
        throw error;
      }
    });
    for (const o of objects) {
      if (!o.Key) continue;
      const r = await cloud.s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: o.Key }));
      hit(
        {
          resource: { kind: "s3-object", name: `s3://${bucket}/${o.Key}` },
          arn: "",
          created: o.LastModified,
        },
        r.TagSet?.find((t) => t.Key === RUN_ID_TAG)?.Value,
      );
    }
  }
  // An endpoint's cost needs its instances: the config names the type, the endpoint the count.
  for (const h of hits) {
    if (h.kind !== "endpoint") continue;
    const e = await sm.send(new DescribeEndpointCommand({ EndpointName: h.name }));
    h.instanceCount = e.ProductionVariants?.[0]?.CurrentInstanceCount ?? undefined;
    if (e.EndpointConfigName) {
      try {
        const c = await sm.send(
          new DescribeEndpointConfigCommand({ EndpointConfigName: e.EndpointConfigName }),
        );
        h.instanceType = c.ProductionVariants?.[0]?.InstanceType;
        h.instanceCount ??= c.ProductionVariants?.[0]?.InitialInstanceCount;
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
  }
  return hits;
}

/**
 * A duration for people: `45 s`, `12 min`, `3.5 h`, `2.0 d`.
 *
 * @example Usage
 * ```ts
 * import { formatAge } from "./orphans.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatAge(90_000), "2 min");
 * assert.equal(formatAge(5_400_000), "1.5 h");
 * ```
 */
export function formatAge(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return "?";
  const s = Math.max(0, ms / 1000);
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86_400) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} d`;
}

/**
 * The orphans as a table for people: kind, name, run id, age, cost per hour.
 *
 * @example Usage
 * ```ts
 * import { renderOrphans } from "./orphans.ts";
 * import assert from "node:assert/strict";
 * const text = renderOrphans([{ kind: "endpoint", name: "e", runId: "run-1", ageMs: 120_000, costPerHour: 0.204, foundBy: "journal" }]);
 * assert.match(text, /endpoint +e +run-1 +2 min +\$0\.204\/h/);
 * assert.match(renderOrphans([]), /Nothing left behind/);
 * ```
 */
export function renderOrphans(orphans: readonly Orphan[]): string {
  if (orphans.length === 0) return "Nothing left behind: no resource of this toolkit was found.";
  const header = ["kind", "name", "run id", "age", "cost"];
  const rows = orphans.map((o) => [
    o.kind,
    o.name,
    o.runId ?? "?",
    formatAge(o.ageMs),
    o.costPerHour === undefined ? "" : `$${Number(o.costPerHour.toFixed(3))}/h`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  const cost = orphans.reduce((sum, o) => sum + (o.costPerHour ?? 0), 0);
  return [
    line(header),
    ...rows.map(line),
    "",
    `${orphans.length} resource(s) left behind${
      cost > 0 ? `, costing $${cost.toFixed(3)} per hour` : ""
    }. Delete them: deno task cleanup --orphans --yes`,
  ].join("\n");
}
