/**
 * Reading step inputs carried by earlier results, and the execution role rule of DESIGN.md.
 *
 * @module
 */
import type { Cloud } from "../cloud/types.ts";
import { InputError } from "./errors.ts";
import type { PrepareResult } from "./types.ts";

/**
 * The execution role: the one given, else the local backend's default; on AWS it is required.
 *
 * @example Usage
 * ```ts
 * import { requireRole } from "./inputs.ts";
 * import assert from "node:assert/strict";
 * assert.equal(requireRole(undefined, { backend: "local", defaultRoleArn: "arn:aws:iam::000000000000:role/LocalSageMakerRole" }),
 *   "arn:aws:iam::000000000000:role/LocalSageMakerRole");
 * assert.throws(() => requireRole(undefined, { backend: "aws", defaultRoleArn: undefined }), /--role-arn/);
 * ```
 */
export function requireRole(
  given: string | undefined,
  cloud: Pick<Cloud, "backend" | "defaultRoleArn">,
): string {
  const role = given ?? cloud.defaultRoleArn;
  if (role === undefined) {
    throw new InputError(
      "Missing the SageMaker execution role: give --role-arn or set SAGEMAKER_ROLE_ARN (on AWS it is required)",
    );
  }
  if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(role)) {
    throw new InputError(
      `Cannot use role "${role}": it is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)`,
    );
  }
  return role;
}

/**
 * The account id in a role ARN.
 *
 * @example Usage
 * ```ts
 * import { accountOf } from "./inputs.ts";
 * import assert from "node:assert/strict";
 * assert.equal(accountOf("arn:aws:iam::123456789012:role/R"), "123456789012");
 * ```
 */
export function accountOf(roleArn: string): string {
  const match = /^arn:aws[a-z-]*:iam::(\d{12}):/.exec(roleArn);
  if (!match) throw new InputError(`Cannot read the account from role "${roleArn}"`);
  return match[1];
}

/** The fields of a `prepare` result found in `--from` input (absent ones stay absent). */
export function readPrepared(from: Record<string, unknown>): Partial<PrepareResult> {
  const out: Partial<PrepareResult> = {};
  for (
    const key of [
      "modelUrl",
      "payloadUrl",
      "containerImage",
      "instanceType",
      "frameworkVersion",
    ] as const
  ) {
    if (typeof from[key] === "string") (out as Record<string, unknown>)[key] = from[key];
  }
  return out;
}
