/**
 * What `prepare`, `recommend`, `evaluate` and the walkthrough check before their first call that
 * creates or changes anything (`scale`'s own checks are in `validate_scale.ts`). Pure: a wrong
 * input is an {@linkcode InputError} (exit 2, one line) and nothing has been created yet.
 *
 * @module
 */
import { instanceTypeInfo } from "../cloud/instance_types.ts";
import { XGBOOST_FRAMEWORK_VERSIONS } from "../model/image_uri.ts";
import {
  checkBucketName,
  checkNamePrefix,
  checkOneOf,
  checkPositive,
  checkS3Url,
  checkSageMakerName,
} from "./checks.ts";
import { checkInstanceType } from "./check_instance_type.ts";
import { InputError } from "./errors.ts";

/** What {@linkcode validatePrepare} checks. */
export interface PrepareInput {
  instanceType?: string;
  bucket?: string;
  seed?: number;
  namePrefix?: string;
}

/**
 * Checks `prepare`'s input before it trains anything or touches S3.
 *
 * @example Usage
 * ```ts
 * import { validatePrepare } from "./validate.ts";
 * import assert from "node:assert/strict";
 * validatePrepare({ bucket: "sagemaker-us-east-1-000000000000", seed: 7 });
 * assert.throws(() => validatePrepare({ bucket: "Bad_Bucket" }), /S3 bucket names are 3 to 63/);
 * ```
 */
export function validatePrepare(input: PrepareInput): void {
  if (input.instanceType !== undefined) checkInstanceType(input.instanceType);
  // The framework version is checked by prepare's first line (the image URI lookup).
  if (input.bucket !== undefined) checkBucketName(input.bucket);
  if (input.seed !== undefined && !Number.isSafeInteger(input.seed)) {
    throw new InputError(`Cannot use --seed ${input.seed}: give a whole number`);
  }
  if (input.namePrefix !== undefined) checkNamePrefix(input.namePrefix);
}

/** What {@linkcode validateRecommend} checks. */
export interface RecommendInput {
  modelUrl: string;
  payloadUrl: string;
  containerImage: string;
  instanceType: string;
  frameworkVersion?: string;
  contentType?: string;
  namePrefix?: string;
}

/**
 * Checks `recommend`'s input before it creates the model package group, the package and the job.
 *
 * @example Usage
 * ```ts
 * import { validateRecommend } from "./validate.ts";
 * import assert from "node:assert/strict";
 * const ok = { modelUrl: "s3://b-1/m.tar.gz", payloadUrl: "s3://b-1/p.tar.gz", instanceType: "ml.c5.large",
 *   containerImage: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1" };
 * validateRecommend(ok);
 * assert.throws(() => validateRecommend({ ...ok, frameworkVersion: "9.9-9" }), /use 1.7-1 or 1.5-1/);
 * assert.throws(() => validateRecommend({ ...ok, frameworkVersion: "1.5-1" }), /image is version 1.7-1/);
 * ```
 */
export function validateRecommend(input: RecommendInput): void {
  checkS3Url(input.modelUrl, "--model-url");
  checkS3Url(input.payloadUrl, "--payload-url");
  if (!/^\S+$/.test(input.containerImage)) {
    throw new InputError(
      `Cannot use --container-image "${input.containerImage}": give an image URI without spaces (prepare's containerImage)`,
    );
  }
  checkInstanceType(input.instanceType);
  if (input.frameworkVersion !== undefined) {
    checkOneOf(input.frameworkVersion, "--framework-version", {
      valid: XGBOOST_FRAMEWORK_VERSIONS,
    });
    const tag = /\/sagemaker-xgboost:([^/]+)$/.exec(input.containerImage)?.[1];
    if (tag !== undefined && tag !== input.frameworkVersion) {
      throw new InputError(
        `Cannot use --framework-version ${input.frameworkVersion}: the container image is version ${tag}; give --framework-version ${tag}, or prepare again with --framework-version ${input.frameworkVersion}`,
      );
    }
  }
  if (input.contentType !== undefined && !/^[-\w.+]+\/[-\w.+]+$/.test(input.contentType)) {
    throw new InputError(
      `Cannot use content type "${input.contentType}": give a MIME type such as text/csv`,
    );
  }
  if (input.namePrefix !== undefined) checkNamePrefix(input.namePrefix);
}

/** What {@linkcode validateEvaluate} checks. */
export interface EvaluateInput {
  endpointName: string;
  variantName?: string;
  modelPackageArn: string;
  spawnRate: number;
  initialUsers?: number;
  durationSeconds?: number;
  maxTps: number;
  latencyThresholdMs?: number;
  maxErrorRate?: number;
  namePrefix?: string;
}

/**
 * Checks `evaluate`'s input before it starts the Advanced job (whether the endpoint has the
 * variant is asked of the backend afterwards, still before the job).
 *
 * @example Usage
 * ```ts
 * import { validateEvaluate } from "./validate.ts";
 * import assert from "node:assert/strict";
 * const ok = { endpointName: "ep", spawnRate: 1, maxTps: 50,
 *   modelPackageArn: "arn:aws:sagemaker:us-east-1:000000000000:model-package/g/1" };
 * validateEvaluate(ok);
 * assert.throws(() => validateEvaluate({ ...ok, durationSeconds: 60 }), /120 to 3600/);
 * ```
 */
export function validateEvaluate(input: EvaluateInput): void {
  checkSageMakerName(input.endpointName, "endpoint name");
  if (input.variantName !== undefined) checkSageMakerName(input.variantName, "variant name");
  if (
    !/^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package\/.+$/.test(input.modelPackageArn)
  ) {
    throw new InputError(
      `Cannot use model package "${input.modelPackageArn}": give its ARN (arn:aws:sagemaker:REGION:ACCOUNT:model-package/...; recommend's modelPackageArn)`,
    );
  }
  checkPositive(input.spawnRate, "--spawn-rate (users per minute)");
  checkPositive(input.maxTps, "--max-tps");
  const users = input.initialUsers ?? 1;
  if (!(Number.isInteger(users) && users >= 1)) {
    throw new InputError(`Cannot use --initial-users ${users}: give a whole number from 1`);
  }
  checkDuration(input.durationSeconds ?? 1800, "--duration");
  checkPositive(input.latencyThresholdMs ?? 1000, "--latency-threshold (ms)");
  const rate = input.maxErrorRate ?? 0.01;
  if (!(rate >= 0 && rate <= 1)) {
    throw new InputError(`Cannot allow an error rate of ${rate}: give a fraction from 0 to 1`);
  }
  if (input.namePrefix !== undefined) checkNamePrefix(input.namePrefix);
}

function checkDuration(seconds: number, what: string): void {
  if (!(Number.isInteger(seconds) && seconds >= 120 && seconds <= 3600)) {
    throw new InputError(
      `Cannot ramp for ${what} ${seconds} s: an Inference Recommender phase lasts 120 to 3600 s`,
    );
  }
}

/** What {@linkcode validateWalkthrough} checks. */
export interface WalkthroughInput {
  instanceType?: string;
  maxTps?: number;
  minTps?: number;
  growthFactor?: number;
  upperPercent?: number;
  lowerPercent?: number;
  spawnRates?: { slow: number; fast: number };
  evaluationSeconds?: number;
  latencyThresholdMs?: number;
  tailMinutes?: number;
}

/**
 * Checks the walkthrough's options before its first step, so that a wrong one fails in a
 * second, not after training and a benchmark.
 *
 * @example Usage
 * ```ts
 * import { validateWalkthrough } from "./validate.ts";
 * import assert from "node:assert/strict";
 * validateWalkthrough({ maxTps: 500, minTps: 70 });
 * assert.throws(() => validateWalkthrough({ maxTps: 50, minTps: 70 }), /min TPS \(70\) is above max TPS \(50\)/);
 * assert.throws(() => validateWalkthrough({ instanceType: "ml.x9.huge" }), /instance type "ml.x9.huge"/);
 * ```
 */
export function validateWalkthrough(input: WalkthroughInput): void {
  if (input.instanceType !== undefined) {
    checkInstanceType(input.instanceType);
    // Every evaluation puts a CPU target, which needs the type's vCPU count.
    if (instanceTypeInfo(input.instanceType) === undefined) {
      throw new InputError(
        `Cannot run the walkthrough on ${input.instanceType}: its vCPU count and price are not known here; use ml.c5.large or another type listed in cloud/instance_types.ts`,
      );
    }
  }
  if (input.maxTps !== undefined) checkPositive(input.maxTps, "--max-tps");
  if (input.minTps !== undefined) checkPositive(input.minTps, "--min-tps");
  if (input.maxTps !== undefined && input.minTps !== undefined && input.minTps > input.maxTps) {
    throw new InputError(
      `Cannot plan capacity: min TPS (${input.minTps}) is above max TPS (${input.maxTps})`,
    );
  }
  const growth = input.growthFactor ?? 1.2;
  if (!(Number.isFinite(growth) && growth >= 1)) {
    throw new InputError(`Cannot use growth factor ${growth}: give a number from 1 (no headroom)`);
  }
  const upper = input.upperPercent ?? 55;
  const lower = input.lowerPercent ?? 45;
  if (!(lower > 0 && lower < upper && upper <= 100)) {
    throw new InputError(
      `Cannot analyze with limits at ${lower} % and ${upper} %: give 0 < lower < upper <= 100`,
    );
  }
  if (input.spawnRates !== undefined) {
    checkPositive(input.spawnRates.slow, "the slow spawn rate (users per minute)");
    checkPositive(input.spawnRates.fast, "the fast spawn rate (users per minute)");
  }
  if (input.evaluationSeconds !== undefined) {
    checkDuration(input.evaluationSeconds, "--evaluation-seconds");
  }
  if (input.latencyThresholdMs !== undefined) {
    checkPositive(input.latencyThresholdMs, "--latency-threshold (ms)");
  }
  const tail = input.tailMinutes;
  if (tail !== undefined && !(Number.isInteger(tail) && tail >= 0 && tail <= 1440)) {
    throw new InputError(
      `Cannot watch a scale-in tail of ${tail} minutes: give --tail-minutes a whole number from 0 (none) to 1440`,
    );
  }
}
