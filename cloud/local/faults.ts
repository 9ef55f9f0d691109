/**
 * A test hook: `SCALING_LOCAL_FAULT=Operation` (or `Operation:N`) makes the Nth call (default the
 * first) of that operation in this process fail with an AWS-shaped server error, the
 * `InternalFailure` (HTTP 500) that every AWS service may answer (AWS "Common Errors"), before
 * the handler runs. Several faults are separated by commas. Unset, it does nothing.
 *
 * @module
 */
import * as aas from "@aws-sdk/client-application-auto-scaling";
import * as cw from "@aws-sdk/client-cloudwatch";
import * as s3 from "@aws-sdk/client-s3";
import * as sm from "@aws-sdk/client-sagemaker";
import { type ErrorFactory, errorFactory } from "./errors.ts";

/** The environment variable naming the operations to fail. */
export const FAULT_ENV = "SCALING_LOCAL_FAULT";

const FACTORIES: Record<string, ErrorFactory> = {
  SageMaker: errorFactory(sm, sm.SageMakerServiceException),
  "Application Auto Scaling": errorFactory(aas, aas.ApplicationAutoScalingServiceException),
  CloudWatch: errorFactory(cw, cw.CloudWatchServiceException),
  S3: errorFactory(s3, s3.S3ServiceException),
};

const calls = new Map<string, number>();

/**
 * Parses a fault spec into operation -> call number.
 *
 * @example Usage
 * ```ts
 * import { parseFaults } from "./faults.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseFaults("CreateEndpoint, PutObject:2"), new Map([["CreateEndpoint", 1], ["PutObject", 2]]));
 * assert.deepEqual(parseFaults(undefined), new Map());
 * ```
 */
export function parseFaults(spec: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const part of (spec ?? "").split(",").map((p) => p.trim()).filter(Boolean)) {
    const [operation, n] = part.split(":");
    out.set(operation, n === undefined ? 1 : Math.max(1, Number(n) || 1));
  }
  return out;
}

function env(): string | undefined {
  try {
    return Deno.env.get(FAULT_ENV) || undefined;
  } catch {
    return undefined;
  }
}

/** Throws the injected fault when `operation`'s call count reaches the one the env names. */
export function injectFault(service: string, operation: string): void {
  const spec = env();
  if (spec === undefined) return;
  const at = parseFaults(spec).get(operation);
  if (at === undefined) return;
  const n = (calls.get(operation) ?? 0) + 1;
  calls.set(operation, n);
  if (n !== at) return;
  const fail = FACTORIES[service] ?? FACTORIES.SageMaker;
  throw fail(
    "InternalFailure",
    `We encountered an internal error. Please try again. (injected by ${FAULT_ENV} at call ${n} of ${operation})`,
    500,
  );
}
