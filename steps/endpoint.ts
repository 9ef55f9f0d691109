/**
 * Endpoint life cycle for the walkthrough (section 8 of the original): model, endpoint config,
 * endpoint, waiting for InService; and resetting a variant's instance count.
 *
 * @module
 */
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  type DescribeEndpointCommandOutput,
  type ProductionVariantInstanceType,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from "@aws-sdk/client-sagemaker";
import type { Cloud } from "../cloud/types.ts";
import { InputError, StepError } from "./errors.ts";
import type { CreatedResource } from "./types.ts";
import { pollUntil, progress } from "./wait.ts";
import { endProgress, reportProgress } from "../progress/mod.ts";

/** Options of {@linkcode createEndpoint}. */
export interface CreateEndpointOptions {
  /** Endpoint name; the model and endpoint config get the same name. */
  endpointName: string;
  modelUrl: string;
  containerImage: string;
  instanceType: string;
  /** Instances to start with (the plan's MinCapacity). */
  initialInstanceCount: number;
  roleArn: string;
  /**
   * Variant name.
   * @default {"AllTraffic"}
   */
  variantName?: string;
  /** Where created resources are recorded as soon as they exist. */
  manifest: CreatedResource[];
  /**
   * Milliseconds between DescribeEndpoint polls.
   * @default {30000}
   */
  pollIntervalMs?: number;
}

/** Options of {@linkcode waitForEndpointInService}. */
export interface WaitForEndpointOptions {
  /** The step that waits, for progress lines and errors. */
  step: string;
  /**
   * Milliseconds between DescribeEndpoint polls.
   * @default {30000}
   */
  pollIntervalMs?: number;
}

/**
 * Waits until an endpoint is InService. `Failed` (and the other terminal failures) is a
 * {@linkcode StepError} carrying FailureReason — unlike the original, which treated it as "done".
 */
export async function waitForEndpointInService(
  cloud: Cloud,
  endpointName: string,
  options: WaitForEndpointOptions,
): Promise<DescribeEndpointCommandOutput> {
  const { step, pollIntervalMs = 30_000 } = options;
  let last = "";
  const endpoint = await pollUntil(
    cloud.clock,
    () => cloud.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName })),
    {
      done: (e) =>
        !["Creating", "Updating", "SystemUpdating", "RollingBack"].includes(e.EndpointStatus ?? ""),
      what: `endpoint "${endpointName}" to be InService`,
      intervalMs: pollIntervalMs,
      timeoutMs: 3_600_000,
      onPoll(e, elapsed) {
        // Every poll, not only status changes: on AWS creation takes minutes in one status.
        last = e.EndpointStatus ?? "";
        reportProgress({ step, phase: `endpoint ${endpointName} ${last}`, elapsedMs: elapsed });
      },
    },
  );
  endProgress();
  if (endpoint.EndpointStatus !== "InService") {
    throw new StepError(
      step,
      `Endpoint "${endpointName}" is ${endpoint.EndpointStatus}${
        endpoint.FailureReason ? `: ${endpoint.FailureReason}` : ""
      }; delete it and create it again`,
    );
  }
  return endpoint;
}

/**
 * Creates the model, endpoint config and endpoint, and waits for InService.
 *
 * @example Usage
 * ```ts ignore
 * await createEndpoint(cloud, { endpointName: "eval-1", modelUrl, containerImage,
 *   instanceType: "ml.c5.large", initialInstanceCount: 2, roleArn, manifest });
 * ```
 */
export async function createEndpoint(
  cloud: Cloud,
  options: CreateEndpointOptions,
): Promise<{ endpointName: string; variantName: string }> {
  const name = options.endpointName;
  const variantName = options.variantName ?? "AllTraffic";
  await cloud.sagemaker.send(
    new CreateModelCommand({
      ModelName: name,
      ExecutionRoleArn: options.roleArn,
      PrimaryContainer: { Image: options.containerImage, ModelDataUrl: options.modelUrl },
    }),
  );
  options.manifest.push({ kind: "model", name });
  await cloud.sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: name,
      ProductionVariants: [{
        VariantName: variantName,
        ModelName: name,
        InstanceType: options.instanceType as ProductionVariantInstanceType,
        InitialInstanceCount: options.initialInstanceCount,
        InitialVariantWeight: 1,
      }],
    }),
  );
  options.manifest.push({ kind: "endpoint-config", name });
  await cloud.sagemaker.send(
    new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: name }),
  );
  options.manifest.push({ kind: "endpoint", name });
  progress(
    "scale",
    `creating endpoint ${name} with ${options.initialInstanceCount} x ${options.instanceType}`,
  );
  await waitForEndpointInService(cloud, name, {
    step: "scale",
    pollIntervalMs: options.pollIntervalMs,
  });
  return { endpointName: name, variantName };
}

/** Options of {@linkcode setInstanceCount}. */
export interface SetInstanceCountOptions extends WaitForEndpointOptions {
  endpointName: string;
  variantName: string;
  /** The variant's new desired instance count. */
  instanceCount: number;
}

/**
 * Sets a variant's instance count (UpdateEndpointWeightsAndCapacities) after the endpoint is
 * InService, and waits until it is InService again.
 *
 * @example Usage
 * ```ts ignore
 * await setInstanceCount(cloud, { step: "scale", endpointName, variantName, instanceCount: 2 });
 * ```
 */
export async function setInstanceCount(
  cloud: Cloud,
  options: SetInstanceCountOptions,
): Promise<void> {
  const { step, endpointName, variantName, instanceCount } = options;
  const wait = { step, pollIntervalMs: options.pollIntervalMs };
  const endpoint = await waitForEndpointInService(cloud, endpointName, wait);
  const variant = endpoint.ProductionVariants?.find((v) => v.VariantName === variantName);
  if (variant === undefined) {
    throw new StepError(step, `Endpoint "${endpointName}" has no variant "${variantName}"`);
  }
  if (
    variant.DesiredInstanceCount === instanceCount && variant.CurrentInstanceCount === instanceCount
  ) return;
  await cloud.sagemaker.send(
    new UpdateEndpointWeightsAndCapacitiesCommand({
      EndpointName: endpointName,
      DesiredWeightsAndCapacities: [{
        VariantName: variantName,
        DesiredInstanceCount: instanceCount,
      }],
    }),
  );
  progress(
    step,
    `endpoint ${endpointName} variant ${variantName} set to ${instanceCount} instances`,
  );
  await waitForEndpointInService(cloud, endpointName, wait);
}

/** Options of {@linkcode requireVariant}. */
export interface RequireVariantOptions {
  /**
   * The step that asks, for the message.
   * @default {"evaluate"}
   */
  step?: string;
}

/**
 * Refuses (as an {@linkcode InputError}) an endpoint that does not exist or has no such variant,
 * naming the variants it has: a read-only check that a step makes before it creates anything.
 *
 * @example Usage
 * ```ts ignore
 * await requireVariant(cloud, { endpointName: "eval-1", variantName: "AllTraffic" });
 * ```
 */
export async function requireVariant(
  cloud: Cloud,
  target: { endpointName: string; variantName: string },
  options: RequireVariantOptions = {},
): Promise<void> {
  const { endpointName, variantName } = target;
  const step = options.step ?? "evaluate";
  let endpoint: DescribeEndpointCommandOutput;
  try {
    endpoint = await cloud.sagemaker.send(
      new DescribeEndpointCommand({ EndpointName: endpointName }),
    );
  } catch (error) {
    if (
      (error as Error).name === "ValidationException" &&
      /could not find/i.test((error as Error).message)
    ) {
      throw new InputError(
        `${step}: Cannot find endpoint "${endpointName}": give an endpoint that exists (scale's endpointName, --from its --json output)`,
      );
    }
    throw error;
  }
  const variants = (endpoint.ProductionVariants ?? []).map((v) => v.VariantName ?? "");
  if (!variants.includes(variantName)) {
    throw new InputError(
      `${step}: Cannot find variant "${variantName}" on endpoint "${endpointName}": it has ${
        variants.join(", ") || "no variant"
      }; give --variant-name ${variants[0] ?? "AllTraffic"}`,
    );
  }
}
