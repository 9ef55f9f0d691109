/**
 * Pure checks of step inputs, shared by the validators of each step: each throws an
 * {@linkcode InputError} whose message says what is wrong and what a valid value looks like, so a
 * step can check all of its input before its first call that creates or changes anything. No AWS
 * SDK here (the plan script loads this and must stay light): instance types are checked in
 * `check_instance_type.ts`.
 *
 * @module
 */
import { InputError } from "./errors.ts";

/**
 * The most instances a count may ask for. AWS sets no API maximum (the account's service quotas
 * decide, by default far fewer); a count above this is a typo, and on AWS a costly one.
 */
export const MAX_INSTANCES = 1000;

const SAGEMAKER_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

/**
 * A SageMaker resource name (endpoint, variant, model...): AWS's pattern
 * `^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`, 1 to 63 characters.
 *
 * @example Usage
 * ```ts
 * import { checkSageMakerName } from "./checks.ts";
 * import assert from "node:assert/strict";
 * checkSageMakerName("AllTraffic", "variant name");
 * assert.throws(() => checkSageMakerName("bad name", "variant name"),
 *   /^InputError: Cannot use variant name "bad name": use 1 to 63 letters, digits and hyphens/);
 * ```
 */
export function checkSageMakerName(value: string, what: string): void {
  if (!SAGEMAKER_NAME.test(value)) {
    throw new InputError(
      `Cannot use ${what} "${value}": use 1 to 63 letters, digits and hyphens, starting and ending with a letter or digit (e.g. AllTraffic, scaling-lab-ep)`,
    );
  }
}

/**
 * A prefix of the names a run gives (see `runName`): 1 to 31 letters, digits and hyphens.
 *
 * @example Usage
 * ```ts
 * import { checkNamePrefix } from "./checks.ts";
 * import assert from "node:assert/strict";
 * checkNamePrefix("scaling-lab");
 * assert.throws(() => checkNamePrefix("-x"), /name prefix "-x"/);
 * ```
 */
export function checkNamePrefix(prefix: string): void {
  if (!/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,30}$/.test(prefix)) {
    throw new InputError(
      `Cannot use name prefix "${prefix}": use up to 31 letters, digits and hyphens, starting and ending with a letter or digit`,
    );
  }
}

/** Options of {@linkcode checkCount}. */
export interface CountOptions {
  /** @default {1} */
  min?: number;
  /** @default {MAX_INSTANCES} */
  max?: number;
}

/**
 * A whole number of instances between `min` and `max`.
 *
 * @example Usage
 * ```ts
 * import { checkCount } from "./checks.ts";
 * import assert from "node:assert/strict";
 * checkCount(2, "--min-capacity");
 * assert.throws(() => checkCount(1.5, "--min-capacity"), /^InputError: Cannot use --min-capacity 1.5: give a whole number of instances from 1 to 1000$/);
 * assert.throws(() => checkCount(4, "--max-capacity", { min: 5 }), /from 5 to 1000/);
 * ```
 */
export function checkCount(value: number, what: string, options: CountOptions = {}): void {
  const min = options.min ?? 1;
  const max = options.max ?? MAX_INSTANCES;
  if (!(Number.isInteger(value) && value >= min && value <= max)) {
    throw new InputError(
      `Cannot use ${what} ${value}: give a whole number of instances from ${min} to ${max}`,
    );
  }
}

/**
 * A finite number above 0 (and at most `max` when given).
 *
 * @example Usage
 * ```ts
 * import { checkPositive } from "./checks.ts";
 * import assert from "node:assert/strict";
 * checkPositive(3300, "--target-invocations");
 * assert.throws(() => checkPositive(-5, "--target-invocations"), /^InputError: Cannot use --target-invocations -5: give a number above 0$/);
 * assert.throws(() => checkPositive(150, "--cpu-target", { max: 100 }), /above 0 and at most 100/);
 * ```
 */
export function checkPositive(value: number, what: string, options: { max?: number } = {}): void {
  const max = options.max ?? Infinity;
  if (!(Number.isFinite(value) && value > 0 && value <= max)) {
    throw new InputError(
      `Cannot use ${what} ${value}: give a number above 0${
        Number.isFinite(max) ? ` and at most ${max}` : ""
      }`,
    );
  }
}

/**
 * An S3 URL `s3://bucket/key`.
 *
 * @example Usage
 * ```ts
 * import { checkS3Url } from "./checks.ts";
 * import assert from "node:assert/strict";
 * checkS3Url("s3://my-bucket/k/model.tar.gz", "--model-url");
 * assert.throws(() => checkS3Url("model.tar.gz", "--model-url"), /s3:\/\/BUCKET\/KEY/);
 * ```
 */
export function checkS3Url(url: string, what: string): void {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (match === null) {
    throw new InputError(
      `Cannot use ${what} "${url}": give an S3 URL s3://BUCKET/KEY (prepare's output has it)`,
    );
  }
  checkBucketName(match[1]);
}

/**
 * An S3 general purpose bucket name: 3 to 63 lowercase letters, digits, dots and hyphens, starting
 * and ending with a letter or digit, no `..`, not an IP address.
 *
 * @example Usage
 * ```ts
 * import { checkBucketName } from "./checks.ts";
 * import assert from "node:assert/strict";
 * checkBucketName("sagemaker-us-east-1-000000000000");
 * assert.throws(() => checkBucketName("My_Bucket"), /^InputError: Cannot use bucket "My_Bucket": /);
 * ```
 */
export function checkBucketName(bucket: string): void {
  if (
    !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes("..") ||
    /^\d+\.\d+\.\d+\.\d+$/.test(bucket)
  ) {
    throw new InputError(
      `Cannot use bucket "${bucket}": S3 bucket names are 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit (e.g. sagemaker-us-east-1-123456789012)`,
    );
  }
}

/** Options of {@linkcode checkOneOf}. */
export interface OneOfOptions {
  /** The values that are valid. */
  valid: readonly string[];
}

/**
 * One of a fixed list of values.
 *
 * @example Usage
 * ```ts
 * import { checkOneOf } from "./checks.ts";
 * import assert from "node:assert/strict";
 * checkOneOf("1.7-1", "--framework-version", { valid: ["1.7-1", "1.5-1"] });
 * assert.throws(() => checkOneOf("9.9-9", "--framework-version", { valid: ["1.7-1", "1.5-1"] }),
 *   /^InputError: Cannot use --framework-version "9.9-9": use 1.7-1 or 1.5-1$/);
 * ```
 */
export function checkOneOf(value: string, what: string, options: OneOfOptions): void {
  const valid = options.valid;
  if (!valid.includes(value)) {
    const list = valid.length > 1
      ? `${valid.slice(0, -1).join(", ")} or ${valid[valid.length - 1]}`
      : valid[0];
    throw new InputError(`Cannot use ${what} "${value}": use ${list}`);
  }
}
