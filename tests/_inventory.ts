/**
 * Lists every kind of resource the walkthrough can create on a backend, so tests can prove that
 * nothing was left behind.
 *
 * @module
 */
import {
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  DescribeScheduledActionsCommand,
} from "@aws-sdk/client-application-auto-scaling";
import { DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import {
  ListEndpointConfigsCommand,
  ListEndpointsCommand,
  ListModelPackageGroupsCommand,
  ListModelsCommand,
} from "@aws-sdk/client-sagemaker";
import type { Cloud } from "../cloud/types.ts";
import { allPages } from "../steps/pages.ts";

/** What exists, by kind (names). */
export interface Inventory {
  endpoints: string[];
  endpointConfigs: string[];
  models: string[];
  modelPackageGroups: string[];
  scalableTargets: string[];
  scalingPolicies: string[];
  scheduledActions: string[];
  alarms: string[];
  s3Objects: string[];
}

/** Lists every resource kind (all pages) on the cloud; S3 objects of `bucket`. */
export async function inventory(cloud: Cloud, bucket: string): Promise<Inventory> {
  const sm = cloud.sagemaker;
  const all = allPages;
  const aas = { ServiceNamespace: "sagemaker" as const };
  return {
    endpoints: await all(async (NextToken) => {
      const r = await sm.send(new ListEndpointsCommand({ NextToken, MaxResults: 100 }));
      return { items: (r.Endpoints ?? []).map((e) => e.EndpointName!), next: r.NextToken };
    }),
    endpointConfigs: await all(async (NextToken) => {
      const r = await sm.send(new ListEndpointConfigsCommand({ NextToken, MaxResults: 100 }));
      return {
        items: (r.EndpointConfigs ?? []).map((e) => e.EndpointConfigName!),
        next: r.NextToken,
      };
    }),
    models: await all(async (NextToken) => {
      const r = await sm.send(new ListModelsCommand({ NextToken, MaxResults: 100 }));
      return { items: (r.Models ?? []).map((e) => e.ModelName!), next: r.NextToken };
    }),
    modelPackageGroups: await all(async (NextToken) => {
      const r = await sm.send(new ListModelPackageGroupsCommand({ NextToken, MaxResults: 100 }));
      return {
        items: (r.ModelPackageGroupSummaryList ?? []).map((e) => e.ModelPackageGroupName!),
        next: r.NextToken,
      };
    }),
    scalableTargets: await all(async (NextToken) => {
      const r = await cloud.autoscaling.send(
        new DescribeScalableTargetsCommand({ ...aas, NextToken }),
      );
      return { items: (r.ScalableTargets ?? []).map((t) => t.ResourceId!), next: r.NextToken };
    }),
    scalingPolicies: await all(async (NextToken) => {
      const r = await cloud.autoscaling.send(
        new DescribeScalingPoliciesCommand({ ...aas, NextToken }),
      );
      return { items: (r.ScalingPolicies ?? []).map((p) => p.PolicyName!), next: r.NextToken };
    }),
    scheduledActions: await all(async (NextToken) => {
      const r = await cloud.autoscaling.send(
        new DescribeScheduledActionsCommand({ ...aas, NextToken }),
      );
      return {
        items: (r.ScheduledActions ?? []).map((a) => a.ScheduledActionName!),
        next: r.NextToken,
      };
    }),
    alarms: await all(async (NextToken) => {
      const r = await cloud.cloudwatch.send(new DescribeAlarmsCommand({ NextToken }));
      return { items: (r.MetricAlarms ?? []).map((a) => a.AlarmName!), next: r.NextToken };
    }),
    s3Objects: await all(async (ContinuationToken) => {
      try {
        const r = await cloud.s3.send(
          new ListObjectsV2Command({ Bucket: bucket, ContinuationToken }),
        );
        return { items: (r.Contents ?? []).map((o) => o.Key!), next: r.NextContinuationToken };
      } catch (error) {
        if ((error as Error).name === "NoSuchBucket") return { items: [] };
        throw error;
      }
    }),
  };
}

/** Every name in an inventory, as `kind: name` lines. */
export function inventoryLines(inv: Inventory): string[] {
  return Object.entries(inv).flatMap(([kind, names]) =>
    (names as string[]).map((n) => `${kind}: ${n}`)
  );
}
