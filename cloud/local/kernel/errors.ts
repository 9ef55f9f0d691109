/**
 * AWS-shaped errors for the local backend: the same classes and names the SDK clients throw.
 *
 * @module
 */

/** Options of an SDK service exception constructor. */
interface ServiceExceptionOptions {
  name: string;
  $fault: "client" | "server";
  $metadata: { httpStatusCode?: number; requestId?: string };
  message?: string;
}

/** A service's base exception class, e.g. `S3ServiceException`. */
export type ServiceExceptionClass = new (options: ServiceExceptionOptions) => Error;

/** Builds AWS errors of one service: `fail("NoSuchBucket", "The specified bucket does not exist", 404)`. */
export type ErrorFactory = (name: string, message: string, status?: number) => Error;

/**
 * Makes an {@linkcode ErrorFactory} for a service: a modeled exception class of the client
 * module is used when one has the name (so `instanceof NoSuchBucket` works), else the base class.
 *
 * @example Usage
 * ```ts
 * import * as s3 from "@aws-sdk/client-s3";
 * import { errorFactory } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const fail = errorFactory(s3, s3.S3ServiceException);
 * const error = fail("NoSuchBucket", "The specified bucket does not exist", 404);
 * assert.ok(error instanceof s3.NoSuchBucket);
 * ```
 */
export function errorFactory(
  module: Record<string, unknown>,
  base: ServiceExceptionClass,
): ErrorFactory {
  return function fail(name: string, message: string, status = 400): Error {
    const $metadata = { httpStatusCode: status, requestId: crypto.randomUUID() };
    const $fault = status >= 500 ? "server" : "client";
    const modeled = module[name];
    let error: Error;
    if (
      typeof modeled === "function" && modeled !== base && modeled.prototype instanceof base
    ) {
      const Cls = modeled as new (o: { $metadata: unknown; message: string }) => Error;
      error = new Cls({ $metadata, message });
    } else {
      error = new base({ name, $fault, $metadata, message });
    }
    // Modeled classes sometimes carry a `Message` field; keep `message` authoritative.
    error.message = message;
    return error;
  };
}
