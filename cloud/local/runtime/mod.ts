/**
 * The local SageMaker Runtime stand-in: `InvokeEndpoint` answered by the endpoint's own model.
 *
 * Rules (InvokeEndpoint API reference,
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html, and
 * `../shared/spec/autoscaling.md` §6):
 * - the request is checked first (`validate.ts`): a violation is a `ValidationError` (400);
 * - an endpoint that does not exist, or has no instance taking traffic (Creating, Deleting,
 *   Failed, or every instance removed) is the `ValidationError` "Endpoint <name> of account
 *   <account> not found." (AWS's wording for a missing endpoint; that an endpoint with nothing in
 *   service answers the same is inferred: it cannot reach a container);
 * - the body goes to the variant's container unchanged, with its `ContentType` as Content-Type;
 *   the container is `model/server.ts`'s contract scoring the variant's model in-process
 *   (`models.ts`), so a prediction is the same bytes the model server returns;
 * - a 2xx from the container is the answer: `Body`, the container's `ContentType`,
 *   `InvokedProductionVariant`, the request's `CustomAttributes`; a 4xx/5xx is a `ModelError`
 *   (424) with the container's status and body in `OriginalStatusCode` / `OriginalMessage`;
 * - the variant is `TargetVariant` when given, else the first variant with a weight above 0 and
 *   an instance in service (deterministic; AWS splits by weight at random);
 * - every call the container answers counts into that variant's metrics at the simulated clock
 *   (`recordInvocations`: `Invocations`, `InvocationsPerInstance`, `ModelLatency` from the
 *   measured scoring time, and `Invocation4XXErrors` for a 4xx), as CloudWatch counts every
 *   invocation of a variant (autoscaling.md §1). Requests refused before a container (validation,
 *   missing endpoint) are not counted, as on AWS.
 *
 * @module
 */
import type {
  InvokeEndpointCommandInput,
  InvokeEndpointCommandOutput,
} from "@aws-sdk/client-sagemaker-runtime";
import type { LocalContext } from "../kernel/context.ts";
import type { HandlerMap } from "../kernel/dispatch.ts";
import {
  describeEndpointRecord,
  type EndpointRecord,
  instancesInService,
  type LocalVariantRecord,
  recordInvocations,
} from "../sagemaker/mod.ts";
import type { RequestHead } from "../../../model/http1.ts";
import { checkInvokeInput, type InvokeRequest } from "./validate.ts";
import { endpointNotFound, invokeBody, modelError, validationError } from "./output.ts";
import { modelContainer, ModelLoadError } from "./models.ts";

export { endpointNotFound, invokeBody, modelError, runtimeError } from "./output.ts";
export { checkInvokeInput, type InvokeRequest, MAX_BODY_BYTES } from "./validate.ts";

/** The endpoint by name, or undefined when SageMaker has none by that name. */
function findEndpoint(ctx: LocalContext, name: string): EndpointRecord | undefined {
  try {
    return describeEndpointRecord(ctx, name);
  } catch (error) {
    if ((error as Error).name === "ValidationException") return undefined;
    throw error;
  }
}

/** The variant a request goes to, or a `ValidationError`. */
function servingVariant(
  ctx: LocalContext,
  endpoint: EndpointRecord | undefined,
  request: InvokeRequest,
): LocalVariantRecord {
  const { endpointName, targetVariant } = request;
  if (endpoint === undefined || endpoint.EndpointStatus === "Deleting") {
    throw endpointNotFound(ctx, endpointName);
  }
  const now = ctx.store.now();
  const live = (v: LocalVariantRecord) => instancesInService(v, now) > 0;
  const variants = endpoint.ProductionVariants as LocalVariantRecord[];
  if (targetVariant !== undefined) {
    const v = variants.find((v) => v.VariantName.toLowerCase() === targetVariant.toLowerCase());
    if (v === undefined) {
      // Wording inferred (the API reference names the error, not its text).
      throw validationError(
        `Variant ${targetVariant} of endpoint ${endpointName} of account ${ctx.account} not found.`,
      );
    }
    if (!live(v)) throw endpointNotFound(ctx, endpointName);
    return v;
  }
  const v = variants.find((v) => v.CurrentWeight > 0 && live(v)) ?? variants.find(live);
  if (v === undefined) throw endpointNotFound(ctx, endpointName);
  return v;
}

async function invokeEndpoint(
  input: InvokeEndpointCommandInput,
  ctx: LocalContext,
): Promise<Omit<InvokeEndpointCommandOutput, "$metadata">> {
  const request = checkInvokeInput(input);
  const endpoint = findEndpoint(ctx, request.endpointName);
  const variant = servingVariant(ctx, endpoint, request);
  const endpointName = endpoint!.EndpointName;
  let container;
  try {
    container = await modelContainer(ctx, variant);
  } catch (error) {
    // The container never came up: nothing answered the request.
    if (error instanceof ModelLoadError) {
      throw modelError(ctx, { endpointName, status: 500, message: error.message });
    }
    throw error;
  }
  const headers = new Map<string, string>();
  if (request.contentType !== undefined) headers.set("content-type", request.contentType);
  if (request.accept !== undefined) headers.set("accept", request.accept);
  const head: RequestHead = {
    method: "POST",
    path: "/invocations",
    version: "1.1",
    headers,
    framing: { kind: "length", length: request.body.length },
    keepAlive: true,
    expectContinue: false,
  };
  const started = performance.now();
  const answer = container.handle(head, request.body);
  const latencyMs = performance.now() - started;
  const failed = answer.status >= 400;
  recordInvocations(ctx, {
    endpointName,
    variantName: variant.VariantName,
    at: new Date(ctx.store.now()),
    count: 1,
    errors: failed && answer.status < 500 ? 1 : 0,
    ...(failed ? {} : { latencyMs }),
  });
  const body = answer.body ?? "";
  if (failed) {
    const text = typeof body === "string" ? body : new TextDecoder().decode(body);
    throw modelError(ctx, { endpointName, status: answer.status, message: text.trimEnd() });
  }
  return {
    Body: invokeBody(body),
    ContentType: answer.headers?.["content-type"],
    InvokedProductionVariant: variant.VariantName,
    ...(request.customAttributes === undefined
      ? {}
      : { CustomAttributes: request.customAttributes }),
  };
}

/**
 * The SageMaker Runtime operations of the local backend, for
 * `localSender(ctx, { service: "SageMaker Runtime", handlers })`.
 *
 * @example Usage
 * ```ts
 * import { runtimeHandlers } from "./mod.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(Object.keys(runtimeHandlers), ["InvokeEndpoint"]);
 * ```
 */
export const runtimeHandlers: HandlerMap = {
  InvokeEndpoint: invokeEndpoint,
};
