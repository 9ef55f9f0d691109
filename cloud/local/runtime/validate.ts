/**
 * InvokeEndpoint's request checks, with the constraints of the API reference
 * (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html):
 * `EndpointName` required, up to 63 characters, `^[a-zA-Z0-9](-*[a-zA-Z0-9])*`; `Body` required,
 * at most 6291456 bytes (6 MiB, the real-time payload limit); `ContentType`, `Accept` and
 * `CustomAttributes` up to 1024 ASCII characters; `TargetVariant` a variant name. Every violation
 * is reported in one `ValidationError` in the AWS service framework's wording (as SageMaker's own
 * checks, `../sagemaker/validation.ts`).
 *
 * @module
 */
import type { InvokeEndpointCommandInput } from "@aws-sdk/client-sagemaker-runtime";
import { InputChecks } from "../sagemaker/mod.ts";
import { validationError } from "./output.ts";

/** Largest InvokeEndpoint body (API reference: `Body` maximum length 6291456). */
export const MAX_BODY_BYTES = 6_291_456;

const NAME = { max: 63, pattern: "^[a-zA-Z0-9](-*[a-zA-Z0-9])*" } as const;
const ASCII = { max: 1024, pattern: "[\\x00-\\x7F]*" } as const;

/** An InvokeEndpoint request once checked. */
export interface InvokeRequest {
  /** The endpoint invoked. */
  endpointName: string;
  /** The body, as bytes. */
  body: Uint8Array;
  /** The body's MIME type, when given (the container sees no Content-Type otherwise). */
  contentType?: string;
  /** The MIME type asked for the answer. */
  accept?: string;
  /** Passed through to the answer. */
  customAttributes?: string;
  /** The variant to send the request to, when given. */
  targetVariant?: string;
}

function bodyBytes(body: unknown): Uint8Array | undefined {
  if (typeof body === "string") return new TextEncoder().encode(body);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) {
    return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  }
  return undefined;
}

/**
 * Checks an InvokeEndpoint input; throws SageMaker Runtime's `ValidationError` listing every
 * violation.
 *
 * @example Usage
 * ```ts
 * import { checkInvokeInput } from "./validate.ts";
 * import assert from "node:assert/strict";
 * const request = checkInvokeInput({ EndpointName: "ep", Body: "1,2", ContentType: "text/csv" });
 * assert.equal(request.body.length, 3);
 * assert.throws(() => checkInvokeInput({ EndpointName: "-bad", Body: "x" }), {
 *   name: "ValidationError",
 *   message: /1 validation error detected: Value '-bad' at 'endpointName'/,
 * });
 * ```
 */
export function checkInvokeInput(input: Partial<InvokeEndpointCommandInput>): InvokeRequest {
  const checks = new InputChecks();
  checks.string(input.EndpointName, "endpointName", { required: true, ...NAME });
  let body: Uint8Array | undefined;
  if (checks.present(input.Body, "body", true)) {
    body = bodyBytes(input.Body);
    if (body === undefined) {
      checks.add("(stream)", "body", "Member must be a blob (string or bytes)");
    } else if (body.length > MAX_BODY_BYTES) {
      checks.add(
        `(${body.length} bytes)`,
        "body",
        `Member must have length less than or equal to ${MAX_BODY_BYTES}`,
      );
    }
  }
  checks.string(input.ContentType, "contentType", ASCII);
  checks.string(input.Accept, "accept", ASCII);
  checks.string(input.CustomAttributes, "customAttributes", ASCII);
  checks.string(input.TargetVariant, "targetVariant", NAME);
  try {
    checks.done();
  } catch (error) {
    // Same framework wording; SageMaker Runtime names it ValidationError.
    throw validationError((error as Error).message);
  }
  return {
    endpointName: input.EndpointName as string,
    body: body as Uint8Array,
    ...(input.ContentType === undefined ? {} : { contentType: input.ContentType }),
    ...(input.Accept === undefined ? {} : { accept: input.Accept }),
    ...(input.CustomAttributes === undefined ? {} : { customAttributes: input.CustomAttributes }),
    ...(input.TargetVariant === undefined ? {} : { targetVariant: input.TargetVariant }),
  };
}
