/**
 * Shapes of the local SageMaker resources as kept in the store (document kinds and fields).
 * Times are epoch milliseconds of the simulated clock. Field names follow the AWS API where one exists.
 *
 * @module
 */
import type { InstanceRecord } from "../../../sim/fleet/instance.ts";

/** Store kinds. */
export const KIND = {
  model: "sagemaker-model",
  endpointConfig: "sagemaker-endpoint-config",
  endpoint: "sagemaker-endpoint",
  modelPackageGroup: "sagemaker-model-package-group",
  modelPackage: "sagemaker-model-package",
  recommendationJob: "sagemaker-recommendation-job",
} as const;

/** A production variant of a local endpoint. */
export interface VariantRecord {
  VariantName: string;
  ModelName: string;
  InstanceType: string;
  InitialInstanceCount: number;
  CurrentWeight: number;
  DesiredWeight: number;
  /** The count last asked for (CreateEndpoint, UpdateEndpointWeightsAndCapacities). */
  DesiredInstanceCount: number;
  /** Every instance the variant ever had, in launch order; the timeline the fleet integrates over. */
  instances: InstanceRecord[];
  /** {@linkcode profileKey} of the capacity profile for this variant's model, image and type. */
  profileKey: string;
}

/** Endpoint statuses as DescribeEndpoint reports them. */
export type EndpointStatus =
  | "OutOfService"
  | "Creating"
  | "Updating"
  | "SystemUpdating"
  | "RollingBack"
  | "InService"
  | "Deleting"
  | "Failed"
  | "UpdateRollbackFailed";

/** A local endpoint. */
export interface EndpointRecord {
  EndpointName: string;
  EndpointArn: string;
  EndpointConfigName: string;
  EndpointStatus: EndpointStatus;
  CreationTime: number;
  LastModifiedTime: number;
  FailureReason?: string;
  Tags?: { Key: string; Value: string }[];
  ProductionVariants: VariantRecord[];
  /** When the current Creating/Updating/Deleting phase ends. */
  pendingUntil?: number;
}

/**
 * Instances of a variant taking traffic at time `t` (InService, not terminated).
 *
 * @example Usage
 * ```ts
 * import { instancesInService } from "./records.ts";
 * import assert from "node:assert/strict";
 * const v = { instances: [{ id: "a", launchedAt: 0, inServiceAt: 10 }, { id: "b", launchedAt: 0, inServiceAt: 50 }] };
 * assert.equal(instancesInService(v, 20), 1);
 * ```
 */
export function instancesInService(variant: Pick<VariantRecord, "instances">, t: number): number {
  let n = 0;
  for (const i of variant.instances) {
    if (i.inServiceAt <= t && (i.terminatedAt === undefined || i.terminatedAt > t)) n++;
  }
  return n;
}

/** Instances of a variant that exist at time `t` (provisioning or InService, not terminated). */
export function instancesLaunched(variant: Pick<VariantRecord, "instances">, t: number): number {
  let n = 0;
  for (const i of variant.instances) {
    if (i.launchedAt <= t && (i.terminatedAt === undefined || i.terminatedAt > t)) n++;
  }
  return n;
}
