/**
 * Request checks the Application Auto Scaling operations share: the target reference, capacities,
 * paging, and the quotas and metric table of PutScalingPolicy (`../shared/spec/autoscaling.md`).
 *
 * @module
 */
import type { LocalContext } from "../kernel/context.ts";
import { decodePageOffset, pageOf } from "../kernel/paging.ts";
import { NotImplementedLocallyError } from "../kernel/dispatch.ts";
import {
  aasError,
  getTarget,
  objectNotFound,
  parseVariantResourceId,
  SAGEMAKER_NAMESPACE,
  type TargetRecord,
  type TargetRef,
  validationException,
  VARIANT_DIMENSION,
} from "./records.ts";
import * as aas from "@aws-sdk/client-application-auto-scaling";

export const SERVICE = "Application Auto Scaling";
/** Most policies per scalable target (AAS-QUOTA). */
export const MAX_POLICIES_PER_TARGET = 50;
/** Most scheduled actions per scalable target (AAS-QUOTA). */
export const MAX_SCHEDULED_ACTIONS_PER_TARGET = 200;
/** Target tracking's TargetValue range (spec §1.4, AAS-TTCFG). */
export const TARGET_VALUE_RANGE = [8.515920e-109, 1.174271e+108] as const;

export const PREDEFINED_METRICS: Record<
  string,
  { metricName: string; statistic: string; highResolution: boolean }
> = {
  SageMakerVariantInvocationsPerInstance: {
    metricName: "InvocationsPerInstance",
    statistic: "Sum",
    highResolution: false,
  },
  SageMakerVariantConcurrentRequestsPerModelHighResolution: {
    metricName: "ConcurrentRequestsPerModel",
    statistic: "Average",
    highResolution: true,
  },
};

export function notNull(value: unknown, member: string): void {
  if (value === undefined || value === null) {
    throw validationException(
      `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
    );
  }
}

function unsupportedTarget(): Error {
  return validationException("Unsupported service namespace, resource type or scalable dimension");
}

/** Checks a namespace/resource/dimension triple the local backend can scale. */
export function checkRef(input: Partial<TargetRef>, operation: string): TargetRef {
  notNull(input.ServiceNamespace, "serviceNamespace");
  notNull(input.ResourceId, "resourceId");
  notNull(input.ScalableDimension, "scalableDimension");
  const ns = input.ServiceNamespace!;
  const dim = input.ScalableDimension!;
  const namespaces = Object.values(aas.ServiceNamespace) as string[];
  const dimensions = Object.values(aas.ScalableDimension) as string[];
  if (!namespaces.includes(ns)) {
    throw validationException(
      `1 validation error detected: Value '${ns}' at 'serviceNamespace' failed to satisfy constraint: Member must satisfy enum value set: [${
        namespaces.join(", ")
      }]`,
    );
  }
  if (!dimensions.includes(dim)) {
    throw validationException(
      `1 validation error detected: Value '${dim}' at 'scalableDimension' failed to satisfy constraint: Member must satisfy enum value set: [${
        dimensions.join(", ")
      }]`,
    );
  }
  if (!dim.startsWith(`${ns}:`)) throw unsupportedTarget();
  if (ns !== SAGEMAKER_NAMESPACE || dim !== VARIANT_DIMENSION) {
    throw new NotImplementedLocallyError(SERVICE, `${operation} for ${dim}`);
  }
  if (parseVariantResourceId(input.ResourceId!) === undefined) throw unsupportedTarget();
  return { ServiceNamespace: ns, ResourceId: input.ResourceId!, ScalableDimension: dim };
}

export function describeRef(ref: TargetRef): string {
  return `service namespace: ${ref.ServiceNamespace}, resource ID: ${ref.ResourceId}, scalable dimension: ${ref.ScalableDimension}`;
}

export function requireTarget(ctx: LocalContext, ref: TargetRef): TargetRecord {
  const target = getTarget(ctx, ref);
  if (target === undefined) {
    throw objectNotFound(`No scalable target registered for ${describeRef(ref)}`);
  }
  return target;
}

export function checkCapacity(value: number | undefined, member: string): void {
  if (value === undefined) return;
  if (!(Number.isInteger(value) && value >= 0)) {
    throw validationException(
      `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: Member must be a whole number >= 0`,
    );
  }
}

function pageSize(max: number | undefined, limit: number): number {
  if (max === undefined) return limit;
  if (!(Number.isInteger(max) && max >= 1 && max <= limit)) {
    throw validationException(
      `1 validation error detected: Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and ${limit}`,
    );
  }
  return max;
}

function readToken(token: string | undefined): number {
  if (token === undefined) return 0;
  const offset = decodePageOffset(token);
  if (offset !== undefined) return offset;
  throw aasError(
    "InvalidNextTokenException",
    "Invalid token: pass the NextToken of the previous response",
    400,
  );
}

/** What {@linkcode describePage} pages through. */
export interface DescribePageRequest<T> {
  /** Store kind of the records. */
  kind: string;
  /** The request's namespace and paging members. */
  input: { ServiceNamespace?: string; MaxResults?: number; NextToken?: string };
  /** Default and largest MaxResults. */
  limit: number;
  /** Which records the request asks for. */
  keep: (record: T) => boolean;
  /**
   * Newest first instead of oldest first.
   * @default {false}
   */
  newestFirst?: boolean;
}

/**
 * One page of a Describe* answer: the records of `kind` in the request's namespace that `keep`
 * accepts (oldest first, or newest first), `MaxResults` (default and limit `limit`) from the
 * request's `NextToken` on; `NextToken` is there only when more follow.
 */
export function describePage<T>(
  ctx: LocalContext,
  page: DescribePageRequest<T>,
): { items: T[]; NextToken?: string } {
  const { kind, input, limit, keep, newestFirst = false } = page;
  const ns = checkNamespace(input.ServiceNamespace);
  const size = pageSize(input.MaxResults, limit);
  const offset = readToken(input.NextToken);
  const records = ctx.store.listDocs<T>(kind, `${encodeURIComponent(ns)}/`).map((d) => d.doc)
    .filter(keep);
  if (newestFirst) records.reverse();
  return pageOf(records, { offset, size });
}

export function serviceLinkedRole(ctx: LocalContext): string {
  return `arn:aws:iam::${ctx.account}:role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint`;
}

/** The service namespace of a request, checked against the SDK's enum. */
export function checkNamespace(ns: string | undefined): string {
  notNull(ns, "serviceNamespace");
  const namespaces = Object.values(aas.ServiceNamespace) as string[];
  if (!namespaces.includes(ns!)) {
    throw validationException(
      `1 validation error detected: Value '${ns}' at 'serviceNamespace' failed to satisfy constraint: Member must satisfy enum value set: [${
        namespaces.join(", ")
      }]`,
    );
  }
  return ns!;
}
