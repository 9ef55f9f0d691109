/**
 * Whether an AWS error means "it does not exist" — the one rule cleanup and the journal share.
 *
 * @module
 */

const NOT_FOUND_NAMES = new Set([
  "ResourceNotFound",
  "ObjectNotFoundException",
  "NoSuchKey",
  "NoSuchBucket",
  "NotFound",
]);

/**
 * Whether an AWS error means "it does not exist" (SageMaker answers a missing endpoint, config or
 * model with a ValidationException "Could not find ...").
 *
 * @example Usage
 * ```ts
 * import { isNotFound } from "./not_found.ts";
 * import assert from "node:assert/strict";
 * assert.ok(isNotFound(Object.assign(new Error("Could not find endpoint \"e\"."), { name: "ValidationException" })));
 * assert.ok(!isNotFound(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" })));
 * ```
 */
export function isNotFound(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (NOT_FOUND_NAMES.has(error.name)) return true;
  return error.name === "ValidationException" &&
    /could not find|does not exist|not found/i.test(error.message);
}
