/**
 * Instance types the toolkit knows: vCPUs (the scale of CloudWatch's CPUUtilization, summed over
 * cores), memory, and an on-demand price per hour with its source and date.
 *
 * Prices are UNVERIFIED list prices for SageMaker real-time inference in us-east-1: AWS's pricing
 * page renders client-side and no stored copy with numbers was found (spec
 * inference-recommender.md §6). "Set A" is what most recent public tables use; where only the
 * older "set B" was found it says so. Check the AWS Price List API (service `AmazonSageMaker`)
 * before relying on a cost.
 *
 * @module
 */

/** What the toolkit knows about an instance type. */
export interface InstanceTypeInfo {
  instanceType: string;
  vCpus: number;
  memoryGiB: number;
  /** USD per instance-hour, on-demand, us-east-1. */
  pricePerHour: number;
  /** Where the price comes from. */
  priceSource: string;
  /** When that source was dated or read. */
  priceAsOf: string;
  /** CPU architecture. */
  arch: "x86_64" | "arm64";
}

const SET_A =
  "public code and tables of 2024-2026 (spec inference-recommender.md §6, set A); unverified";
const JHU =
  "https://github.com/JHUAPL-DTC-TA2/wiki/blob/main/docs/sagemaker_instances.md (set A); unverified";

/** The table; vCPU and memory from the instance families' published sizes. */
export const INSTANCE_TYPES: readonly InstanceTypeInfo[] = [
  {
    instanceType: "ml.c5.large",
    vCpus: 2,
    memoryGiB: 4,
    pricePerHour: 0.102,
    priceSource: SET_A,
    priceAsOf: "2024",
    arch: "x86_64",
  },
  {
    instanceType: "ml.c5.xlarge",
    vCpus: 4,
    memoryGiB: 8,
    pricePerHour: 0.204,
    priceSource: JHU,
    priceAsOf: "2024",
    arch: "x86_64",
  },
  {
    instanceType: "ml.c5.2xlarge",
    vCpus: 8,
    memoryGiB: 16,
    pricePerHour: 0.408,
    priceSource: JHU,
    priceAsOf: "2024",
    arch: "x86_64",
  },
  {
    instanceType: "ml.m5.large",
    vCpus: 2,
    memoryGiB: 8,
    pricePerHour: 0.115,
    priceSource: JHU,
    priceAsOf: "2024",
    arch: "x86_64",
  },
  {
    instanceType: "ml.m5.xlarge",
    vCpus: 4,
    memoryGiB: 16,
    pricePerHour: 0.23,
    priceSource: JHU,
    priceAsOf: "2024",
    arch: "x86_64",
  },
  {
    instanceType: "ml.c6i.large",
    vCpus: 2,
    memoryGiB: 4,
    pricePerHour: 0.102,
    priceSource: SET_A,
    priceAsOf: "2024",
    arch: "x86_64",
  },
  {
    instanceType: "ml.c6i.xlarge",
    vCpus: 4,
    memoryGiB: 8,
    pricePerHour: 0.204,
    priceSource: SET_A,
    priceAsOf: "2024",
    arch: "x86_64",
  },
  {
    instanceType: "ml.c7g.large",
    vCpus: 2,
    memoryGiB: 4,
    pricePerHour: 0.1,
    priceSource: "https://www.wring.co/blog/aws-sagemaker-inference-guide; unverified",
    priceAsOf: "2026-03",
    arch: "arm64",
  },
];

/**
 * Looks up an instance type.
 *
 * @example Usage
 * ```ts
 * import { instanceTypeInfo } from "./instance_types.ts";
 * import assert from "node:assert/strict";
 * assert.equal(instanceTypeInfo("ml.c5.large")?.vCpus, 2);
 * assert.equal(instanceTypeInfo("ml.x9.huge"), undefined);
 * ```
 */
export function instanceTypeInfo(instanceType: string): InstanceTypeInfo | undefined {
  return INSTANCE_TYPES.find((t) => t.instanceType === instanceType);
}

/**
 * vCPUs of an instance type; an unknown type is an error that lists the known ones.
 *
 * @example Usage
 * ```ts
 * import { vCpusOf } from "./instance_types.ts";
 * import assert from "node:assert/strict";
 * assert.equal(vCpusOf("ml.c5.xlarge"), 4);
 * ```
 */
export function vCpusOf(instanceType: string): number {
  const info = instanceTypeInfo(instanceType);
  if (info === undefined) {
    throw new RangeError(
      `Cannot find the vCPUs of "${instanceType}": known types are ${
        INSTANCE_TYPES.map((t) => t.instanceType).join(", ")
      }`,
    );
  }
  return info.vCpus;
}
