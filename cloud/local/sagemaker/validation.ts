/**
 * Request validation for the local SageMaker stand-in, with AWS's own error shapes.
 *
 * SageMaker checks field constraints (required, length, pattern, enum, range) before anything
 * else and reports every violation in one `ValidationException` whose message follows the AWS
 * service framework's format, e.g.
 * `1 validation error detected: Value 'ENTER MODEL NAME' at 'productionVariants.1.member.modelName'
 * failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9])*`
 * (observed in https://github.com/aws/amazon-sagemaker-examples/issues/2236; the "Value null ...
 * Member must not be null" form for missing required members is the same framework's).
 *
 * @module
 */
import * as sm from "@aws-sdk/client-sagemaker";
import { arnPrefix, type LocalContext } from "../kernel/context.ts";
import { errorFactory } from "../kernel/errors.ts";

/**
 * Builds SageMaker's own exception objects: modeled names (`ResourceNotFound`, `ResourceInUse`,
 * `ResourceLimitExceeded`, `ConflictException`) get their SDK class; `ValidationException`
 * (unmodeled in the SDK) gets `SageMakerServiceException` with that name, as the real client does.
 *
 * @example Usage
 * ```ts
 * import { sageMakerError } from "./validation.ts";
 * import { ConflictException } from "@aws-sdk/client-sagemaker";
 * import assert from "node:assert/strict";
 * assert.ok(sageMakerError("ConflictException", "busy") instanceof ConflictException);
 * assert.equal(sageMakerError("ValidationException", "bad").name, "ValidationException");
 * ```
 */
export const sageMakerError = errorFactory(sm, sm.SageMakerServiceException);

/** Throws SageMaker's `ValidationException` with `message`. */
export function validationError(message: string): Error {
  return sageMakerError("ValidationException", message, 400);
}

/** Name pattern of models, endpoints, endpoint configs, variants and model package groups (API reference: `EndpointName`, `ModelName`, ...). */
export const NAME_PATTERN = "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}";
/** Longest such name. */
export const NAME_MAX = 63;
/** `ModelPackageGroupName` as a name or ARN (API reference, `CreateModelPackage`). */
export const ARN_OR_NAME_PATTERN =
  "(arn:aws[a-z\\-]*:sagemaker:[a-z0-9\\-]*:[0-9]{12}:[a-z\\-]*\\/)?([a-zA-Z0-9]([a-zA-Z0-9-]){0,62})(?<!-)$";
/** `ModelPackageName` of Describe/DeleteModelPackage: name, or ARN with an optional version (API reference). */
export const VERSIONED_ARN_OR_NAME_PATTERN =
  "(arn:aws[a-z\\-]*:sagemaker:[a-z0-9\\-]*:[0-9]{12}:[a-z\\-]*\\/)?([a-zA-Z0-9]([a-zA-Z0-9-]){0,62})(?<!-)(\\/[0-9]{1,9})?";
/** S3/HTTPS URLs (`ModelDataUrl`, `SamplePayloadUrl`). */
export const URL_PATTERN = "^(https|s3)://([^/]+)/?(.*)$";
/** Container image. */
export const IMAGE_PATTERN = "[\\S]+";
/** IAM role ARN (`ExecutionRoleArn`). */
export const ROLE_ARN_PATTERN = "^arn:aws[a-z\\-]*:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+$";
/** Response MIME types of a model package. */
export const MIME_PATTERN = "^[-\\w]+\\/.+$";

const compiled = new Map<string, RegExp>();
function fullMatch(pattern: string, value: string): boolean {
  let re = compiled.get(pattern);
  if (re === undefined) {
    const body = pattern.replace(/^\^/, "").replace(/\$$/, "");
    re = new RegExp(`^(?:${body})$`);
    compiled.set(pattern, re);
  }
  return re.test(value);
}

/** Options of {@linkcode InputChecks.string}. */
export interface StringCheckOptions {
  /**
   * Whether the member must be present.
   * @default {false}
   */
  required?: boolean;
  /**
   * Shortest allowed length.
   * @default {undefined}
   */
  min?: number;
  /**
   * Longest allowed length.
   * @default {undefined}
   */
  max?: number;
  /**
   * Regular expression the whole value must match (written as AWS documents it).
   * @default {undefined}
   */
  pattern?: string;
}

/** Options of {@linkcode InputChecks.number} and {@linkcode InputChecks.list}. */
export interface RangeCheckOptions {
  /**
   * Whether the member must be present.
   * @default {false}
   */
  required?: boolean;
  /**
   * Smallest allowed value (list: fewest items).
   * @default {undefined}
   */
  min?: number;
  /**
   * Largest allowed value (list: most items).
   * @default {undefined}
   */
  max?: number;
}

function shown(value: unknown): string {
  if (value === undefined || value === null) return "null";
  if (Array.isArray(value)) return `'[${value.map((v) => String(v)).join(", ")}]'`;
  return `'${String(value)}'`;
}

/**
 * Collects field-constraint violations and throws them as one AWS `ValidationException`.
 * Paths are AWS member paths: lower camel case, list items as `list.N.member` (1-based).
 *
 * @example Usage
 * ```ts
 * import { InputChecks, NAME_PATTERN } from "./validation.ts";
 * import assert from "node:assert/strict";
 * const checks = new InputChecks();
 * checks.string("bad_name", "endpointName", { required: true, max: 63, pattern: NAME_PATTERN });
 * assert.throws(() => checks.done(), {
 *   name: "ValidationException",
 *   message: "1 validation error detected: Value 'bad_name' at 'endpointName' failed to satisfy " +
 *     "constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}",
 * });
 * ```
 */
export class InputChecks {
  readonly #errors: string[] = [];

  /** Records a violation. */
  add(value: unknown, path: string, constraint: string): void {
    this.#errors.push(
      `Value ${shown(value)} at '${path}' failed to satisfy constraint: ${constraint}`,
    );
  }

  /** Whether a required member is present (records "must not be null" when not). */
  present(value: unknown, path: string, required: boolean | undefined): boolean {
    if (value === undefined || value === null) {
      if (required) this.add(value, path, "Member must not be null");
      return false;
    }
    return true;
  }

  /** Checks a string member; true when present and valid. */
  string(value: unknown, path: string, options: StringCheckOptions = {}): value is string {
    if (!this.present(value, path, options.required)) return false;
    if (typeof value !== "string") {
      this.add(value, path, "Member must be a string");
      return false;
    }
    const before = this.#errors.length;
    if (options.min !== undefined && value.length < options.min) {
      this.add(value, path, `Member must have length greater than or equal to ${options.min}`);
    }
    if (options.max !== undefined && value.length > options.max) {
      this.add(value, path, `Member must have length less than or equal to ${options.max}`);
    }
    if (options.pattern !== undefined && !fullMatch(options.pattern, value)) {
      this.add(value, path, `Member must satisfy regular expression pattern: ${options.pattern}`);
    }
    return this.#errors.length === before;
  }

  /** Checks an enum member against its allowed values. */
  enumValue<T extends string>(
    value: unknown,
    path: string,
    allowed: readonly T[],
    required = false,
  ): value is T {
    if (!this.present(value, path, required)) return false;
    if (typeof value !== "string" || !allowed.includes(value as T)) {
      this.add(value, path, `Member must satisfy enum value set: [${allowed.join(", ")}]`);
      return false;
    }
    return true;
  }

  /** Checks a numeric member (integers when `integer`). */
  number(
    value: unknown,
    path: string,
    options: RangeCheckOptions & {
      /**
       * Whether the value must be a whole number.
       * @default {false}
       */
      integer?: boolean;
    } = {},
  ): value is number {
    if (!this.present(value, path, options.required)) return false;
    if (typeof value !== "number" || !Number.isFinite(value)) {
      this.add(value, path, "Member must be a number");
      return false;
    }
    if (options.integer && !Number.isInteger(value)) {
      this.add(value, path, "Member must be an integer");
      return false;
    }
    const before = this.#errors.length;
    if (options.min !== undefined && value < options.min) {
      this.add(value, path, `Member must have value greater than or equal to ${options.min}`);
    }
    if (options.max !== undefined && value > options.max) {
      this.add(value, path, `Member must have value less than or equal to ${options.max}`);
    }
    return this.#errors.length === before;
  }

  /** Checks a list member's presence and size; true when it is a list. */
  list(value: unknown, path: string, options: RangeCheckOptions = {}): value is unknown[] {
    if (!this.present(value, path, options.required)) return false;
    if (!Array.isArray(value)) {
      this.add(value, path, "Member must be a list");
      return false;
    }
    if (options.min !== undefined && value.length < options.min) {
      this.add(value, path, `Member must have length greater than or equal to ${options.min}`);
    }
    if (options.max !== undefined && value.length > options.max) {
      this.add(value, path, `Member must have length less than or equal to ${options.max}`);
    }
    return true;
  }

  /** Checks `Tags` (at most 50; keys 1–128 characters, values up to 256). */
  tags(value: unknown, path = "tags"): void {
    if (!this.list(value, path, { max: 50 })) return;
    value.forEach((tag, i) => {
      const t = (tag ?? {}) as { Key?: unknown; Value?: unknown };
      this.string(t.Key, `${path}.${i + 1}.member.key`, { required: true, min: 1, max: 128 });
      this.string(t.Value, `${path}.${i + 1}.member.value`, { required: true, max: 256 });
    });
  }

  /** Number of violations so far. */
  get count(): number {
    return this.#errors.length;
  }

  /** Throws the collected violations, if any, as one `ValidationException`. */
  done(): void {
    const n = this.#errors.length;
    if (n === 0) return;
    throw validationError(
      `${n} validation error${n === 1 ? "" : "s"} detected: ${this.#errors.join("; ")}`,
    );
  }
}

/** {@linkcode InputChecks.string} options of a resource name ({@linkcode NAME_MAX}, {@linkcode NAME_PATTERN}). */
export const NAME: Readonly<StringCheckOptions> = { max: NAME_MAX, pattern: NAME_PATTERN };
/** {@linkcode NAME} for a member that must be present. */
export const REQUIRED_NAME: Readonly<StringCheckOptions> = { required: true, ...NAME };

/**
 * Checks a request's one string member (Describe/Delete calls that only name a resource) and
 * throws its violations as a `ValidationException`.
 *
 * @example Usage
 * ```ts
 * import { checkString, REQUIRED_NAME } from "./validation.ts";
 * import assert from "node:assert/strict";
 * checkString("my-model", "modelName", REQUIRED_NAME);
 * assert.throws(() => checkString(undefined, "modelName", REQUIRED_NAME), {
 *   message: "1 validation error detected: Value null at 'modelName' failed to satisfy " +
 *     "constraint: Member must not be null",
 * });
 * ```
 */
export function checkString(value: unknown, path: string, options: StringCheckOptions): void {
  const checks = new InputChecks();
  checks.string(value, path, options);
  checks.done();
}

/** SageMaker resource types as they appear in ARNs. */
export type SageMakerArnType =
  | "model"
  | "endpoint"
  | "endpoint-config"
  | "model-package"
  | "model-package-group"
  | "inference-recommendations-job";

/**
 * The ARN of a SageMaker resource. SageMaker lowercases the name in ARNs (observed:
 * endpoint `DEMO-imageclassification-ep--…` has ARN `…:endpoint/demo-imageclassification-ep--…`,
 * https://github.com/aws/amazon-sagemaker-examples/issues/293).
 *
 * @example Usage
 * ```ts
 * import { sageMakerArn } from "./validation.ts";
 * import assert from "node:assert/strict";
 * const ctx = { region: "us-east-1", account: "000000000000" };
 * assert.equal(sageMakerArn(ctx, { type: "endpoint", name: "My-Endpoint" }),
 *   "arn:aws:sagemaker:us-east-1:000000000000:endpoint/my-endpoint");
 * ```
 */
export function sageMakerArn(
  ctx: Pick<LocalContext, "region" | "account">,
  resource: { type: SageMakerArnType; name: string },
): string {
  const { type, name } = resource;
  return `${arnPrefix(ctx as LocalContext, "sagemaker")}${type}/${name.toLowerCase()}`;
}

/**
 * Finds a stored document by name as SageMaker does: names are case-insensitive for uniqueness
 * and lookup (the API reference: "The name is case-insensitive in CreateEndpoint, but the case
 * is preserved"). Documents are stored under the name as first given.
 *
 * @example Usage
 * ```ts
 * import { findByName } from "./validation.ts";
 * import { Store } from "../kernel/store/mod.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const store = Store.open(dir);
 * store.tx(() => store.putDoc("thing", "My-Model", { n: 1 }));
 * assert.deepEqual(findByName(store, { kind: "thing", name: "my-model" })?.doc, { n: 1 });
 * store.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function findByName<T>(
  store: LocalContext["store"],
  lookup: { kind: string; name: string },
): { id: string; doc: T } | undefined {
  const { kind, name } = lookup;
  const exact = store.getDoc<T>(kind, name);
  if (exact !== undefined) return { id: name, doc: exact };
  const lower = name.toLowerCase();
  return store.listDocs<T>(kind).find((d) => d.id.toLowerCase() === lower);
}

/** Copies `value` without its `undefined` members (stored documents and outputs stay tidy). */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
