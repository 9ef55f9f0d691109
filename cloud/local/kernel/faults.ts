/**
 * A test hook: `SCALING_LOCAL_FAULT=Operation` (or `Operation:N`) makes the Nth call (default the
 * first) of that operation in this process fail with an AWS-shaped server error, the
 * `InternalFailure` (HTTP 500) that every AWS service may answer (AWS "Common Errors"), before
 * the handler runs; `Operation:N@MS` instead delays that call by MS real milliseconds (a slow
 * answer, to interrupt a step while it waits). Several faults are separated by commas. Unset, it
 * does nothing.
 *
 * @module
 */
import * as aas from "@aws-sdk/client-application-auto-scaling";
import * as cw from "@aws-sdk/client-cloudwatch";
import * as s3 from "@aws-sdk/client-s3";
import * as sm from "@aws-sdk/client-sagemaker";
import * as smr from "@aws-sdk/client-sagemaker-runtime";
import { type ErrorFactory, errorFactory } from "./errors.ts";

/** The environment variable naming the operations to fail. */
export const FAULT_ENV = "SCALING_LOCAL_FAULT";

const FACTORIES: Record<string, ErrorFactory> = {
  SageMaker: errorFactory(sm, sm.SageMakerServiceException),
  "Application Auto Scaling": errorFactory(aas, aas.ApplicationAutoScalingServiceException),
  CloudWatch: errorFactory(cw, cw.CloudWatchServiceException),
  S3: errorFactory(s3, s3.S3ServiceException),
  "SageMaker Runtime": errorFactory(smr, smr.SageMakerRuntimeServiceException),
};

const calls = new Map<string, number>();

/** One injected fault: which call of the operation, and a delay instead of a failure. */
export interface Fault {
  /** The call (1-based) of the operation in this process. */
  at: number;
  /** Delay that call by this many real milliseconds instead of failing it. */
  delayMs?: number;
}

/**
 * Parses a fault spec into operation -> fault.
 *
 * @example Usage
 * ```ts
 * import { parseFaults } from "./faults.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseFaults("CreateEndpoint, PutObject:2, DeleteEndpoint:1@500"), new Map([
 *   ["CreateEndpoint", { at: 1 }], ["PutObject", { at: 2 }], ["DeleteEndpoint", { at: 1, delayMs: 500 }],
 * ]));
 * assert.deepEqual(parseFaults(undefined), new Map());
 * ```
 */
export function parseFaults(spec: string | undefined): Map<string, Fault> {
  const out = new Map<string, Fault>();
  for (const part of (spec ?? "").split(",").map((p) => p.trim()).filter(Boolean)) {
    const m = /^([A-Za-z0-9]+)(?::(\d+))?(?:@(\d+))?$/.exec(part);
    if (m === null) continue;
    out.set(m[1], {
      at: Math.max(1, Number(m[2] ?? 1)),
      ...(m[3] === undefined ? {} : { delayMs: Number(m[3]) }),
    });
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

/** Fails (or delays) this call when `operation`'s call count reaches the one the env names. */
export async function injectFault(service: string, operation: string): Promise<void> {
  const spec = env();
  if (spec === undefined) return;
  const fault = parseFaults(spec).get(operation);
  if (fault === undefined) return;
  const n = (calls.get(operation) ?? 0) + 1;
  calls.set(operation, n);
  if (n !== fault.at) return;
  if (fault.delayMs !== undefined) {
    await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    return;
  }
  const fail = FACTORIES[service] ?? FACTORIES.SageMaker;
  throw fail(
    "InternalFailure",
    `We encountered an internal error. Please try again. (injected by ${FAULT_ENV} at call ${n} of ${operation})`,
    500,
  );
}
