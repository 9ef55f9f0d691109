/**
 * The errors of the local SageMaker's models, model registry and list paging, in SageMaker's
 * words where they are known. SageMaker answers most of them with `ValidationException`. Where
 * each wording comes from:
 *
 * Models:
 * - "Could not find model \"<arn>\"." — seen from CreateEndpoint in
 *   https://github.com/aws/sagemaker-python-sdk/issues/2112, and the prefix AWS's Kubernetes
 *   operator matches for DescribeModel/DeleteModel (amazon-sagemaker-operator-for-k8s, `clientwrapper`);
 * - "Cannot create already existing model \"<arn>\"." — the same wording SageMaker uses for
 *   endpoints and endpoint configurations (aws/sagemaker-python-sdk#101, awslabs/spot-tagging-bot#2);
 * - "Could not find model data at s3://…." — CreateModel checks the model artifact exists (many
 *   public reports, e.g. a Terraform log quoted in a public repository's docs);
 * - [INF] a model without exactly one of PrimaryContainer or Containers, or a container with
 *   neither Image nor ModelPackageName: the local backend's wording (what is wrong, what to do).
 *
 * Model registry:
 * - missing group: "ModelPackageGroup <arn> does not exist." — the real CLI output quoted in
 *   https://github.com/getmoto/moto/pull/7246;
 * - duplicate group: a message containing "Model Package Group already exists" (public code
 *   matching on it; the text after it is ours); a duplicate package likewise [INF];
 * - missing package: a message starting "Could not find model package" — AWS's own SageMaker
 *   Python SDK matches that prefix on DescribeModelPackage (`model_card.py`);
 * - deleting a group that still has packages: `ConflictException`, the one error the SDK models
 *   for DeleteModelPackageGroup (message ours — not verified);
 * - `ModelPackageName` and `ModelPackageGroupName` both ("Both … Cannot determine which one to
 *   use.") or neither ("Missing ARN."): messages quoted by moto from AWS
 *   (https://github.com/getmoto/moto/pull/7165);
 * - ModelApprovalStatus on an unversioned package: the API reference says it "does not apply to
 *   unversioned models"; the wording is ours.
 *
 * Paging: [INF] an unreadable NextToken is a `ValidationException` naming the token.
 *
 * The field-constraint messages ("Value … at '…' failed to satisfy constraint: …") are built by
 * `InputChecks` in `validation.ts`; the endpoint and endpoint configuration errors are still
 * raised where they happen (`endpoints.ts`, `endpoint_configs.ts`).
 *
 * @module
 */
import { sageMakerError, validationError } from "./validation.ts";

/**
 * No model of that name.
 *
 * @example Usage
 * ```ts
 * import { modelNotFound } from "./messages.ts";
 * import assert from "node:assert/strict";
 * const arn = "arn:aws:sagemaker:us-east-1:000000000000:model/m";
 * assert.equal(modelNotFound(arn).message, `Could not find model "${arn}".`);
 * ```
 */
export function modelNotFound(arn: string): Error {
  return validationError(`Could not find model "${arn}".`);
}

/**
 * A model of that name exists already.
 *
 * @example Usage
 * ```ts
 * import { modelExists } from "./messages.ts";
 * import assert from "node:assert/strict";
 * assert.match(modelExists("arn:…:model/m").message, /^Cannot create already existing model/);
 * ```
 */
export function modelExists(arn: string): Error {
  return validationError(`Cannot create already existing model "${arn}".`);
}

/**
 * CreateModel's `ModelDataUrl` names no object.
 *
 * @example Usage
 * ```ts
 * import { modelDataNotFound } from "./messages.ts";
 * import assert from "node:assert/strict";
 * assert.equal(modelDataNotFound("s3://b/m.tar.gz").message, "Could not find model data at s3://b/m.tar.gz.");
 * ```
 */
export function modelDataNotFound(url: string): Error {
  return validationError(`Could not find model data at ${url}.`);
}

/**
 * CreateModel got both or neither of PrimaryContainer and Containers.
 *
 * @example Usage
 * ```ts
 * import { notOneContainerSpec } from "./messages.ts";
 * import assert from "node:assert/strict";
 * assert.equal(notOneContainerSpec().name, "ValidationException");
 * ```
 */
export function notOneContainerSpec(): Error {
  return validationError(
    "Cannot create a model without exactly one of PrimaryContainer or Containers: give the primary container",
  );
}

/**
 * A CreateModel container with neither an image nor a model package.
 *
 * @example Usage
 * ```ts
 * import { containerWithoutImage } from "./messages.ts";
 * import assert from "node:assert/strict";
 * assert.match(containerWithoutImage().message, /neither Image nor ModelPackageName/);
 * ```
 */
export function containerWithoutImage(): Error {
  return validationError(
    "Cannot create a model whose container has neither Image nor ModelPackageName: give the container image",
  );
}

/**
 * No model package group of that name.
 *
 * @example Usage
 * ```ts
 * import { modelPackageGroupNotFound } from "./messages.ts";
 * import assert from "node:assert/strict";
 * assert.equal(modelPackageGroupNotFound("arn:g").message, "ModelPackageGroup arn:g does not exist.");
 * ```
 */
export function modelPackageGroupNotFound(arn: string): Error {
  return validationError(`ModelPackageGroup ${arn} does not exist.`);
}

/**
 * A model package group of that name exists already.
 *
 * @example Usage
 * ```ts
 * import { modelPackageGroupExists } from "./messages.ts";
 * import assert from "node:assert/strict";
 * assert.match(modelPackageGroupExists("arn:g").message, /^Model Package Group already exists/);
 * ```
 */
export function modelPackageGroupExists(arn: string): Error {
  return validationError(`Model Package Group already exists: ${arn}`);
}

/**
 * DeleteModelPackageGroup on a group that still holds model packages.
 *
 * @example Usage
 * ```ts
 * import { modelPackageGroupNotEmpty } from "./messages.ts";
 * import assert from "node:assert/strict";
 * assert.equal(modelPackageGroupNotEmpty("arn:g", 2).name, "ConflictException");
 * ```
 */
export function modelPackageGroupNotEmpty(arn: string, packages: number): Error {
  return sageMakerError(
    "ConflictException",
    `Cannot delete Model Package Group ${arn} because it contains ${packages} model package(s): delete them first`,
  );
}

/**
 * No model package of that name (as the caller wrote it).
 *
 * @example Usage
 * ```ts
 * import { modelPackageNotFound } from "./messages.ts";
 * import assert from "node:assert/strict";
 * assert.equal(modelPackageNotFound("xgb/1").message, 'Could not find model package "xgb/1".');
 * ```
 */
export function modelPackageNotFound(name: string): Error {
  return validationError(`Could not find model package "${name}".`);
}

/**
 * An unversioned model package of that name exists already.
 *
 * @example Usage
 * ```ts
 * import { modelPackageExists } from "./messages.ts";
 * import assert from "node:assert/strict";
 * assert.match(modelPackageExists("arn:p").message, /^Model Package already exists/);
 * ```
 */
export function modelPackageExists(arn: string): Error {
  return validationError(`Model Package already exists: ${arn}`);
}

/**
 * CreateModelPackage got both ModelPackageName and ModelPackageGroupName.
 *
 * @example Usage
 * ```ts
 * import { bothPackageNames } from "./messages.ts";
 * import assert from "node:assert/strict";
 * assert.match(bothPackageNames().message, /Cannot determine which one to use/);
 * ```
 */
export function bothPackageNames(): Error {
  return validationError(
    "Both ModelPackageName and ModelPackageGroupName are provided in the input. Cannot determine which one to use.",
  );
}

/**
 * CreateModelPackage got neither ModelPackageName nor ModelPackageGroupName.
 *
 * @example Usage
 * ```ts
 * import { noPackageName } from "./messages.ts";
 * import assert from "node:assert/strict";
 * assert.equal(noPackageName().message, "Missing ARN.");
 * ```
 */
export function noPackageName(): Error {
  return validationError("Missing ARN.");
}

/**
 * ModelApprovalStatus given for an unversioned model package.
 *
 * @example Usage
 * ```ts
 * import { approvalOfUnversionedPackage } from "./messages.ts";
 * import assert from "node:assert/strict";
 * assert.match(approvalOfUnversionedPackage().message, /only supported for versioned/);
 * ```
 */
export function approvalOfUnversionedPackage(): Error {
  return validationError(
    "ModelApprovalStatus is only supported for versioned model packages: give ModelPackageGroupName instead of ModelPackageName",
  );
}

/**
 * A NextToken that this list operation did not give.
 *
 * @example Usage
 * ```ts
 * import { invalidPageToken } from "./messages.ts";
 * import assert from "node:assert/strict";
 * assert.equal(invalidPageToken("x", "ListModels").message, 'Invalid pagination token "x" for ListModels');
 * ```
 */
export function invalidPageToken(token: string, operation: string): Error {
  return validationError(`Invalid pagination token "${token}" for ${operation}`);
}
