/**
 * SageMaker Runtime's answers and error shapes for the local InvokeEndpoint.
 *
 * Source: the InvokeEndpoint API reference
 * (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html):
 * the response carries `Body`, `ContentType` (the container's), `InvokedProductionVariant` and
 * `CustomAttributes`; its errors are `ModelError` (HTTP 424: "Model (owned by the customer in the
 * container) returned 4xx or 5xx error code", with `OriginalStatusCode`, `OriginalMessage` and
 * `LogStreamArn`), `ValidationError` (400, "Inspect your request and try again"),
 * `ModelNotReadyException` (429), `ServiceUnavailable` (503), `InternalFailure` (500) and
 * `InternalDependencyException` (530); also `../shared/spec/autoscaling.md` §6 (errors row).
 *
 * The messages are AWS's as users have reported them:
 * - ModelError: `Received client error (400) from primary with message "…". See
 *   https://<region>.console.aws.amazon.com/cloudwatch/home?region=<region>#logEventViewer:group=/aws/sagemaker/Endpoints/<name>
 *   in account <account> for more information.` ("server error" for a 5xx) —
 *   aws-samples/amazon-sagemaker-custom-recommender-system#2, aws/amazon-sagemaker-examples#1881,
 *   #4324;
 * - ValidationError for an endpoint that does not exist: `Endpoint <name> of account <account>
 *   not found.` — aws/amazon-sagemaker-examples#293, #559.
 *
 * @module
 */
import * as runtime from "@aws-sdk/client-sagemaker-runtime";
import { errorFactory } from "../kernel/errors.ts";
import type { LocalContext } from "../kernel/context.ts";

/** Builds SageMaker Runtime's exception objects by name (modeled classes where the SDK has one). */
export const runtimeError = errorFactory(runtime, runtime.SageMakerRuntimeServiceException);

/** SageMaker Runtime's `ValidationError` (HTTP 400) with `message`. */
export function validationError(message: string): Error {
  return runtimeError("ValidationError", message, 400);
}

/**
 * The `ValidationError` InvokeEndpoint answers for an endpoint that is not there, or that has no
 * instance taking traffic (Creating, Deleting, Failed): AWS's "not found" wording.
 *
 * @example Usage
 * ```ts ignore
 * throw endpointNotFound(ctx, "my-endpoint"); // Endpoint my-endpoint of account 000000000000 not found.
 * ```
 */
export function endpointNotFound(ctx: LocalContext, endpointName: string): Error {
  return validationError(`Endpoint ${endpointName} of account ${ctx.account} not found.`);
}

/** What the container answered, for {@linkcode modelError}. */
export interface ContainerFailure {
  /** The endpoint invoked. */
  endpointName: string;
  /** The container's HTTP status (4xx or 5xx). */
  status: number;
  /** The container's response body (its one-line reason). */
  message: string;
}

/**
 * The `ModelError` (HTTP 424) InvokeEndpoint answers when the container returns 4xx or 5xx: the
 * container's status and body in `OriginalStatusCode` / `OriginalMessage`, the endpoint's log
 * stream in `LogStreamArn`.
 *
 * @example Usage
 * ```ts ignore
 * const error = modelError(ctx, { endpointName: "ep", status: 415, message: "bad CSV" });
 * // error.name === "ModelError", error.OriginalStatusCode === 415
 * ```
 */
export function modelError(ctx: LocalContext, failure: ContainerFailure): runtime.ModelError {
  const { endpointName, status, message } = failure;
  const group = `/aws/sagemaker/Endpoints/${endpointName}`;
  const kind = status >= 500 ? "server" : "client";
  const text = `Received ${kind} error (${status}) from primary with message "${message}". See ` +
    `https://${ctx.region}.console.aws.amazon.com/cloudwatch/home?region=${ctx.region}` +
    `#logEventViewer:group=${group} in account ${ctx.account} for more information.`;
  const error = new runtime.ModelError({
    $metadata: { httpStatusCode: 424, requestId: crypto.randomUUID() },
    message: text,
    OriginalStatusCode: status,
    OriginalMessage: message,
    LogStreamArn: `arn:aws:logs:${ctx.region}:${ctx.account}:log-group:${group}`,
  });
  error.message = text;
  return error;
}

/** The body of an InvokeEndpoint answer, as the SDK gives it: bytes that also read as text. */
export type InvokeBody = Uint8Array & { transformToString(encoding?: string): string };

/**
 * Bytes with the SDK's `transformToString()` (the real client's body is a `Uint8ArrayBlobAdapter`).
 *
 * @example Usage
 * ```ts
 * import { invokeBody } from "./output.ts";
 * import assert from "node:assert/strict";
 * assert.equal(invokeBody("0.5,0.25").transformToString(), "0.5,0.25");
 * assert.equal(invokeBody(new Uint8Array([0x31])).transformToString(), "1");
 * ```
 */
export function invokeBody(content: string | Uint8Array): InvokeBody {
  const bytes =
    (typeof content === "string"
      ? new TextEncoder().encode(content)
      : new Uint8Array(content)) as InvokeBody;
  Object.defineProperty(bytes, "transformToString", {
    value: (encoding = "utf-8") => new TextDecoder(encoding).decode(bytes),
  });
  return bytes;
}
