/**
 * Local SageMaker endpoints on the simulated clock: CreateEndpoint, DescribeEndpoint,
 * DeleteEndpoint, ListEndpoints, UpdateEndpointWeightsAndCapacities, and the capacity change
 * that Application Auto Scaling makes ({@linkcode setVariantDesiredCount}).
 *
 * Life cycle (`../shared/spec/autoscaling.md` §6, DescribeEndpoint's status list):
 * `Creating` until `settings.endpointCreateSeconds` after CreateEndpoint, then `InService`;
 * a capacity change sets `Updating` until its new instances are InService
 * (`settings.instanceStartSeconds`) and its removed instances have drained
 * (`settings.instanceDrainSeconds`); DeleteEndpoint sets `Deleting`, stops traffic at once, and the
 * endpoint is gone `settings.endpointDeleteSeconds` later. Each variant keeps its instance
 * timeline (`launchedAt`, `inServiceAt`, `terminatedAt`), which the fleet simulation integrates.
 *
 * Error facts (SageMaker uses `ValidationException` for all of these):
 * - "Could not find endpoint \"<arn>\"." — aws/amazon-sagemaker-examples#2402 (DeleteEndpoint), and the
 *   prefix AWS's Kubernetes operator matches for Describe/Delete/UpdateEndpoint;
 * - "Cannot create already existing endpoint \"<arn>\"." — aws/sagemaker-python-sdk#101;
 * - "Cannot update in-progress endpoint \"<arn>\"." — DeleteEndpoint or a capacity change while the
 *   endpoint is Creating/Updating (operator constants, public reports of concurrent
 *   UpdateEndpointWeightsAndCapacities calls, a botocore Stubber fixture for DeleteEndpoint).
 *
 * @module
 */
import {
  type CreateEndpointInput,
  type DeleteEndpointInput,
  type DescribeEndpointInput,
  type DescribeEndpointOutput,
  EndpointStatus as EndpointStatusEnum,
  type ListEndpointsInput,
  type ListEndpointsOutput,
  type ProductionVariantSummary,
  type UpdateEndpointWeightsAndCapacitiesInput,
} from "@aws-sdk/client-sagemaker";
import type { LocalContext, LocalRuntime } from "../kernel/context.ts";
import { profileKey } from "../../../sim/profile.ts";
import type { InstanceRecord } from "../../../sim/fleet/instance.ts";
import { type EndpointRecord, instancesInService, KIND, type VariantRecord } from "./records.ts";
import { findEndpointConfig } from "./endpoint_configs.ts";
import { listPage } from "./list.ts";
import { findModel, modelPrimaryContainer } from "./models.ts";
import {
  checkString,
  compact,
  findByName,
  InputChecks,
  REQUIRED_NAME,
  sageMakerArn,
  validationError,
} from "./validation.ts";
import type { HandlerMap } from "../kernel/dispatch.ts";
import { startEndpointClock } from "./endpoint_clock.ts";

/** Simulation event that ends an endpoint's Creating/Updating/Deleting phase (ref: endpoint name). */
export const ENDPOINT_PHASE_EVENT = "sagemaker-endpoint-phase";

/** A variant as stored locally: the shared {@linkcode VariantRecord} plus its deployed image. */
export interface LocalVariantRecord extends VariantRecord {
  /** The image of the model's primary container when the endpoint was created. */
  deployedImage?: string;
}

/** The statuses during which SageMaker refuses another change ("in-progress" endpoints). */
const IN_PROGRESS = new Set(["Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting"]);

function missingEndpoint(ctx: LocalContext, name: string): Error {
  return validationError(
    `Could not find endpoint "${sageMakerArn(ctx, { type: "endpoint", name })}".`,
  );
}

function inProgress(record: EndpointRecord): Error {
  return validationError(`Cannot update in-progress endpoint "${record.EndpointArn}".`);
}

/**
 * Applies a phase end that is due (`pendingUntil <= now`): Creating/Updating become InService
 * (weights take their desired values), Deleting removes the endpoint. Idempotent; returns the
 * record as it now is, or undefined when the endpoint is gone.
 */
function settle(ctx: LocalContext, id: string, record: EndpointRecord): EndpointRecord | undefined {
  const now = ctx.store.now();
  if (record.pendingUntil === undefined || record.pendingUntil > now) return record;
  if (record.EndpointStatus === "Deleting") {
    ctx.store.deleteDoc(KIND.endpoint, id);
    return undefined;
  }
  const settled: EndpointRecord = {
    ...record,
    EndpointStatus: "InService",
    LastModifiedTime: record.pendingUntil,
    ProductionVariants: record.ProductionVariants.map((v) => ({
      ...v,
      CurrentWeight: v.DesiredWeight,
    })),
  };
  delete settled.pendingUntil;
  ctx.store.putDoc(KIND.endpoint, id, settled);
  return settled;
}

function load(ctx: LocalContext, name: string): { id: string; record: EndpointRecord } | undefined {
  return ctx.store.tx(() => {
    const found = findByName<EndpointRecord>(ctx.store, { kind: KIND.endpoint, name });
    if (found === undefined) return undefined;
    const record = settle(ctx, found.id, found.doc);
    return record === undefined ? undefined : { id: found.id, record };
  });
}

/**
 * The stored endpoint by name (case-insensitive), with any due phase end applied; throws
 * SageMaker's `ValidationException` "Could not find endpoint "<arn>"." when there is none.
 *
 * @example Usage
 * ```ts ignore
 * const endpoint = describeEndpointRecord(ctx, "my-endpoint");
 * console.log(endpoint.EndpointStatus, endpoint.ProductionVariants[0].instances.length);
 * ```
 */
export function describeEndpointRecord(ctx: LocalContext, name: string): EndpointRecord {
  return loadExisting(ctx, name).record;
}

/** {@linkcode load}, throwing SageMaker's "Could not find endpoint" when there is none. */
function loadExisting(ctx: LocalContext, name: string): { id: string; record: EndpointRecord } {
  const found = load(ctx, name);
  if (found === undefined) throw missingEndpoint(ctx, name);
  return found;
}

function schedulePhaseEnd(ctx: LocalContext, record: EndpointRecord): void {
  ctx.store.cancelEvents(ENDPOINT_PHASE_EVENT, record.EndpointName);
  if (record.pendingUntil !== undefined) {
    ctx.store.schedule(record.pendingUntil, ENDPOINT_PHASE_EVENT, record.EndpointName);
  }
}

/** One requested change of a variant (UpdateEndpointWeightsAndCapacities' `DesiredWeightAndCapacity`). */
export interface VariantChange {
  /** The variant to change. */
  variantName: string;
  /** New weight; unchanged when undefined. */
  desiredWeight?: number;
  /** New instance count; unchanged when undefined. */
  desiredInstanceCount?: number;
}

function instanceId(n: number): string {
  return `i-${String(n).padStart(4, "0")}`;
}

/**
 * Pure: the endpoint after a capacity/weight change made at `now`. New instances come InService
 * `instanceStartMs` later; removed instances (the newest first) stop taking traffic at once and
 * drain for `instanceDrainMs`. The endpoint is Updating until its last new instance is InService
 * and its last removed one has drained (at `now` when nothing starts or drains: the change is
 * then applied at the next read or clock step).
 *
 * @example Usage
 * ```ts
 * import { applyVariantChanges } from "./endpoints.ts";
 * import assert from "node:assert/strict";
 * const endpoint = {
 *   EndpointName: "ep", EndpointArn: "arn", EndpointConfigName: "c", EndpointStatus: "InService" as const,
 *   CreationTime: 0, LastModifiedTime: 0,
 *   ProductionVariants: [{ VariantName: "v", ModelName: "m", InstanceType: "ml.c5.large",
 *     InitialInstanceCount: 1, CurrentWeight: 1, DesiredWeight: 1, DesiredInstanceCount: 1,
 *     profileKey: "k", instances: [{ id: "i-0001", launchedAt: 0, inServiceAt: 150_000 }] }],
 * };
 * const next = applyVariantChanges(endpoint, { changes: [{ variantName: "v", desiredInstanceCount: 3 }], now: 600_000, instanceStartMs: 240_000 });
 * assert.equal(next.EndpointStatus, "Updating");
 * assert.equal(next.pendingUntil, 840_000);
 * assert.equal(next.ProductionVariants[0].instances.length, 3);
 * ```
 */
export function applyVariantChanges(
  endpoint: EndpointRecord,
  update: {
    changes: readonly VariantChange[];
    now: number;
    instanceStartMs: number;
    /** How long a removed instance drains before the update completes (0 when absent). */
    instanceDrainMs?: number;
  },
): EndpointRecord {
  const { changes, now, instanceStartMs } = update;
  const drainMs = update.instanceDrainMs ?? 0;
  let completesAt = now;
  const variants = endpoint.ProductionVariants.map((v) => {
    const change = changes.find((c) => c.variantName.toLowerCase() === v.VariantName.toLowerCase());
    if (change === undefined) return v;
    const next: VariantRecord = { ...v, instances: v.instances.map((i) => ({ ...i })) };
    if (change.desiredWeight !== undefined) next.DesiredWeight = change.desiredWeight;
    if (change.desiredInstanceCount !== undefined) {
      next.DesiredInstanceCount = change.desiredInstanceCount;
      const live = next.instances.filter((i) => i.terminatedAt === undefined);
      const delta = change.desiredInstanceCount - live.length;
      for (let k = 0; k < delta; k++) {
        const instance: InstanceRecord = {
          id: instanceId(next.instances.length + 1),
          launchedAt: now,
          inServiceAt: now + instanceStartMs,
        };
        next.instances.push(instance);
        completesAt = Math.max(completesAt, instance.inServiceAt);
      }
      for (const instance of live.reverse().slice(0, Math.max(0, -delta))) {
        // Out of the load balancer at once (no new requests); the update completes once it
        // has drained (settings.instanceDrainSeconds).
        instance.terminatedAt = now;
        completesAt = Math.max(completesAt, now + drainMs);
      }
    }
    return next;
  });
  return {
    ...endpoint,
    EndpointStatus: "Updating",
    LastModifiedTime: now,
    ProductionVariants: variants,
    pendingUntil: completesAt,
  };
}

function changeVariants(
  ctx: LocalContext,
  endpointName: string,
  changes: readonly VariantChange[],
): { record: EndpointRecord; completesAt: number } {
  return ctx.store.tx(() => {
    const { id, record } = loadExisting(ctx, endpointName);
    if (record.EndpointStatus !== "InService") {
      if (IN_PROGRESS.has(record.EndpointStatus)) throw inProgress(record);
      throw validationError(
        `Cannot update endpoint "${record.EndpointArn}" in status ${record.EndpointStatus}: only DeleteEndpoint is possible`,
      );
    }
    for (const change of changes) {
      const variant = record.ProductionVariants.find((v) =>
        v.VariantName.toLowerCase() === change.variantName.toLowerCase()
      );
      if (variant === undefined) {
        throw validationError(
          `The variant "${change.variantName}" is not present in endpoint "${record.EndpointArn}": use one of ${
            record.ProductionVariants.map((v) => `"${v.VariantName}"`).join(", ")
          }`,
        );
      }
      if (change.desiredWeight === undefined && change.desiredInstanceCount === undefined) {
        throw validationError(
          `Nothing to update for variant "${change.variantName}": give DesiredWeight or DesiredInstanceCount`,
        );
      }
      if (change.desiredInstanceCount === 0) {
        // Classic instance-based variants keep at least one instance (spec autoscaling.md §1.4).
        throw validationError(
          `Cannot set DesiredInstanceCount of variant "${change.variantName}" to 0: an instance-based variant needs at least 1 instance`,
        );
      }
    }
    const now = ctx.store.now();
    const next = applyVariantChanges(record, {
      changes,
      now,
      instanceStartMs: ctx.settings.instanceStartSeconds * 1000,
      instanceDrainMs: ctx.settings.instanceDrainSeconds * 1000,
    });
    ctx.store.putDoc(KIND.endpoint, id, next);
    schedulePhaseEnd(ctx, next);
    return { record: next, completesAt: next.pendingUntil ?? now };
  });
}

/**
 * Sets a variant's desired instance count the way UpdateEndpointWeightsAndCapacities does (the
 * path Application Auto Scaling takes): the endpoint must be InService (else AWS's
 * `ValidationException`), it becomes Updating, new instances come InService after
 * `settings.instanceStartSeconds`, removed ones stop taking traffic at once and drain for
 * `settings.instanceDrainSeconds`, and at `completesAt` the endpoint is
 * InService again.
 *
 * @example Usage
 * ```ts ignore
 * const { completesAt } = setVariantDesiredCount(ctx, { endpointName: "my-endpoint", variantName: "AllTraffic", count: 3 });
 * ```
 */
export function setVariantDesiredCount(
  ctx: LocalContext,
  target: { endpointName: string; variantName: string; count: number },
): { completesAt: number } {
  const { endpointName, variantName, count } = target;
  if (!(Number.isInteger(count) && count >= 0)) {
    throw new RangeError(
      `Cannot set the instance count of variant "${variantName}" to ${count}: give a whole number >= 1`,
    );
  }
  const { completesAt } = changeVariants(ctx, endpointName, [
    { variantName, desiredInstanceCount: count },
  ]);
  return { completesAt };
}

function variantSummary(
  v: LocalVariantRecord,
  endpoint: EndpointRecord,
  now: number,
): ProductionVariantSummary {
  return compact({
    VariantName: v.VariantName,
    DeployedImages: v.deployedImage
      ? [{ SpecifiedImage: v.deployedImage, ResolutionTime: new Date(endpoint.CreationTime) }]
      : undefined,
    CurrentWeight: v.CurrentWeight,
    DesiredWeight: v.DesiredWeight,
    CurrentInstanceCount: instancesInService(v, now),
    DesiredInstanceCount: v.DesiredInstanceCount,
  });
}

/** SageMaker endpoint operations of the local backend. */
export const endpointHandlers: HandlerMap = {
  CreateEndpoint(input: CreateEndpointInput, ctx: LocalContext) {
    const checks = new InputChecks();
    checks.string(input.EndpointName, "endpointName", REQUIRED_NAME);
    checks.string(input.EndpointConfigName, "endpointConfigName", REQUIRED_NAME);
    checks.tags(input.Tags);
    checks.done();
    const name = input.EndpointName!;
    const arn = sageMakerArn(ctx, { type: "endpoint", name });
    return ctx.store.tx(() => {
      if (load(ctx, name) !== undefined) {
        throw validationError(`Cannot create already existing endpoint "${arn}".`);
      }
      const config = findEndpointConfig(ctx, input.EndpointConfigName!);
      const now = ctx.store.now();
      const ready = now + ctx.settings.endpointCreateSeconds * 1000;
      const variants: LocalVariantRecord[] = config.ProductionVariants.map((v) => {
        const model = findModel(ctx, v.ModelName!);
        const container = modelPrimaryContainer(ctx, model);
        const count = v.InitialInstanceCount!;
        const weight = v.InitialVariantWeight ?? 1;
        return compact({
          VariantName: v.VariantName!,
          ModelName: model.ModelName,
          InstanceType: v.InstanceType!,
          InitialInstanceCount: count,
          CurrentWeight: weight,
          DesiredWeight: weight,
          DesiredInstanceCount: count,
          instances: Array.from({ length: count }, (_, k) => ({
            id: instanceId(k + 1),
            launchedAt: now,
            inServiceAt: ready,
          })),
          profileKey: profileKey({
            modelDataUrl: container.modelDataUrl,
            image: container.image,
            instanceType: v.InstanceType!,
          }),
          deployedImage: container.image || undefined,
        });
      });
      const record: EndpointRecord = compact({
        EndpointName: name,
        EndpointArn: arn,
        EndpointConfigName: config.EndpointConfigName,
        EndpointStatus: "Creating" as const,
        CreationTime: now,
        LastModifiedTime: now,
        Tags: input.Tags?.map((t) => ({ Key: t.Key!, Value: t.Value! })),
        ProductionVariants: variants,
        pendingUntil: ready,
      });
      ctx.store.putDoc(KIND.endpoint, name, record);
      schedulePhaseEnd(ctx, record);
      // On the clock from InService on: its metrics every minute, traffic or not.
      startEndpointClock(ctx, { endpointName: name, from: ready });
      return { EndpointArn: arn };
    });
  },

  DescribeEndpoint(input: DescribeEndpointInput, ctx: LocalContext) {
    checkString(input.EndpointName, "endpointName", REQUIRED_NAME);
    const e = describeEndpointRecord(ctx, input.EndpointName!);
    const now = ctx.store.now();
    const out: DescribeEndpointOutput = compact({
      EndpointName: e.EndpointName,
      EndpointArn: e.EndpointArn,
      EndpointConfigName: e.EndpointConfigName,
      ProductionVariants: e.ProductionVariants.map((v) => variantSummary(v, e, now)),
      EndpointStatus: e.EndpointStatus,
      FailureReason: e.FailureReason,
      CreationTime: new Date(e.CreationTime),
      LastModifiedTime: new Date(e.LastModifiedTime),
    });
    return out;
  },

  DeleteEndpoint(input: DeleteEndpointInput, ctx: LocalContext) {
    checkString(input.EndpointName, "endpointName", REQUIRED_NAME);
    return ctx.store.tx(() => {
      const { id, record } = loadExisting(ctx, input.EndpointName!);
      if (IN_PROGRESS.has(record.EndpointStatus)) throw inProgress(record);
      const now = ctx.store.now();
      const next: EndpointRecord = {
        ...record,
        EndpointStatus: "Deleting",
        LastModifiedTime: now,
        pendingUntil: now + ctx.settings.endpointDeleteSeconds * 1000,
        ProductionVariants: record.ProductionVariants.map((v) => ({
          ...v,
          instances: v.instances.map((i) =>
            i.terminatedAt === undefined ? { ...i, terminatedAt: now } : i
          ),
        })),
      };
      ctx.store.putDoc(KIND.endpoint, id, next);
      schedulePhaseEnd(ctx, next);
      return {};
    });
  },

  ListEndpoints(input: ListEndpointsInput, ctx: LocalContext) {
    const endpoints = ctx.store.tx(() =>
      ctx.store.listDocs<EndpointRecord>(KIND.endpoint).flatMap((d) => {
        const record = settle(ctx, d.id, d.doc);
        return record === undefined ? [] : [{
          name: record.EndpointName,
          creationTime: record.CreationTime,
          lastModifiedTime: record.LastModifiedTime,
          status: record.EndpointStatus,
          doc: record,
        }];
      })
    );
    const page = listPage(endpoints, input, {
      operation: "ListEndpoints",
      sortKeys: ["Name", "CreationTime", "Status"],
      defaultOrder: "Descending",
      statuses: Object.values(EndpointStatusEnum),
    });
    const out: ListEndpointsOutput = {
      Endpoints: page.items.map(({ doc }) => ({
        EndpointName: doc.EndpointName,
        EndpointArn: doc.EndpointArn,
        CreationTime: new Date(doc.CreationTime),
        LastModifiedTime: new Date(doc.LastModifiedTime),
        EndpointStatus: doc.EndpointStatus,
      })),
    };
    if (page.nextToken) out.NextToken = page.nextToken;
    return out;
  },

  UpdateEndpointWeightsAndCapacities(
    input: UpdateEndpointWeightsAndCapacitiesInput,
    ctx: LocalContext,
  ) {
    const checks = new InputChecks();
    checks.string(input.EndpointName, "endpointName", REQUIRED_NAME);
    if (
      checks.list(input.DesiredWeightsAndCapacities, "desiredWeightsAndCapacities", {
        required: true,
        min: 1,
        max: 10,
      })
    ) {
      input.DesiredWeightsAndCapacities!.forEach((d, i) => {
        const p = `desiredWeightsAndCapacities.${i + 1}.member`;
        checks.string(d?.VariantName, `${p}.variantName`, REQUIRED_NAME);
        checks.number(d?.DesiredWeight, `${p}.desiredWeight`, { min: 0 });
        checks.number(d?.DesiredInstanceCount, `${p}.desiredInstanceCount`, {
          min: 0,
          integer: true,
        });
      });
    }
    checks.done();
    const { record } = changeVariants(
      ctx,
      input.EndpointName!,
      input.DesiredWeightsAndCapacities!.map((d) => ({
        variantName: d.VariantName!,
        desiredWeight: d.DesiredWeight,
        desiredInstanceCount: d.DesiredInstanceCount,
      })),
    );
    return { EndpointArn: record.EndpointArn };
  },
};

/**
 * Registers the endpoint life-cycle event handler (phase ends on the simulated clock).
 *
 * @example Usage
 * ```ts
 * import { registerEndpointEvents, ENDPOINT_PHASE_EVENT } from "./endpoints.ts";
 * import { LocalRuntime } from "../kernel/context.ts";
 * import assert from "node:assert/strict";
 * const runtime = new LocalRuntime();
 * registerEndpointEvents(runtime);
 * assert.ok(runtime.handlers.has(ENDPOINT_PHASE_EVENT));
 * ```
 */
export function registerEndpointEvents(runtime: LocalRuntime): void {
  runtime.on(ENDPOINT_PHASE_EVENT, (ctx, event) => {
    const found = findByName<EndpointRecord>(ctx.store, { kind: KIND.endpoint, name: event.ref });
    if (found !== undefined) settle(ctx, found.id, found.doc);
  });
}
