/**
 * The instance types SageMaker real-time endpoints accept, from the SDK's own enum (kept apart
 * from `checks.ts` because it loads the SageMaker client).
 *
 * @module
 */
import { ProductionVariantInstanceType } from "@aws-sdk/client-sagemaker";
import { InputError } from "./errors.ts";

const INSTANCE_TYPES: readonly string[] = Object.values(ProductionVariantInstanceType);

/**
 * An instance type SageMaker real-time endpoints accept (the SDK's `ProductionVariantInstanceType`).
 *
 * @example Usage
 * ```ts
 * import { checkInstanceType } from "./check_instance_type.ts";
 * import assert from "node:assert/strict";
 * checkInstanceType("ml.c5.large");
 * assert.throws(() => checkInstanceType("ml.x9.huge"), /^InputError: Cannot use instance type "ml.x9.huge": .*ml\.c5\.large/);
 * ```
 */
export function checkInstanceType(instanceType: string): void {
  if (!INSTANCE_TYPES.includes(instanceType)) {
    const family = /^ml\.([a-z0-9-]+)\./.exec(instanceType)?.[1];
    const near = INSTANCE_TYPES.filter((t) =>
      family !== undefined && t.startsWith(`ml.${family}.`)
    );
    throw new InputError(
      `Cannot use instance type "${instanceType}": give a SageMaker endpoint instance type such as ${
        (near.length > 0 ? near.slice(0, 6) : ["ml.c5.large", "ml.c5.xlarge", "ml.m5.large"])
          .join(", ")
      } (see --help)`,
    );
  }
}
