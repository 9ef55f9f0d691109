/**
 * AWS failures a person can act on: which call failed (operation and resource), how AWS answered
 * (HTTP status, its error code and message when it sent one) and what to do (403: the IAM action
 * and the statement of `iam/walkthrough-policy.json` that grants it, and how to see which
 * credentials are in use; 5xx and throttling: how many attempts were made).
 *
 * The AWS backend's clients tag each failed call with {@linkcode tagAwsCall} (a middleware, see
 * `aws.ts`); the scripts print {@linkcode describeAwsFailure} of a tagged error. The error itself
 * is not replaced, so code that looks at `error.name` (NotFound, ValidationException...) still can.
 *
 * @module
 */
import policy from "../iam/walkthrough-policy.json" with { type: "json" };

/** The call a failure happened in. */
export interface AwsCall {
  /** SDK client name, e.g. `S3Client`. */
  clientName: string;
  /** SDK command name, e.g. `HeadBucketCommand`. */
  commandName: string;
  /** The command's input (only names are read from it). */
  input: Record<string, unknown>;
}

const CALL = Symbol.for("sagemaker-scaling-lab.awsCall");

/**
 * Attaches the call to an error thrown by an AWS client (once; the first call wins).
 *
 * @example Usage
 * ```ts
 * import { awsCallOf, tagAwsCall } from "./aws_errors.ts";
 * import assert from "node:assert/strict";
 * const error = tagAwsCall(new Error("x"), { clientName: "S3Client", commandName: "HeadBucketCommand", input: { Bucket: "b" } });
 * assert.equal(awsCallOf(error)?.commandName, "HeadBucketCommand");
 * ```
 */
export function tagAwsCall<E>(error: E, call: AwsCall): E {
  if (typeof error === "object" && error !== null && !(CALL in error)) {
    Object.defineProperty(error, CALL, { value: call, enumerable: false });
  }
  return error;
}

/**
 * The call an error was tagged with, if any.
 *
 * @example Usage
 * ```ts
 * import { awsCallOf, tagAwsCall } from "./aws_errors.ts";
 * import assert from "node:assert/strict";
 * const call = { clientName: "S3Client", commandName: "PutObjectCommand", input: { Bucket: "b" } };
 * assert.equal(awsCallOf(tagAwsCall(new Error("x"), call)), call);
 * assert.equal(awsCallOf(new Error("untagged")), undefined);
 * ```
 */
export function awsCallOf(error: unknown): AwsCall | undefined {
  return typeof error === "object" && error !== null
    ? (error as { [CALL]?: AwsCall })[CALL]
    : undefined;
}

/**
 * The first tagged AWS error in an error's `cause` chain (steps wrap errors with the step name).
 *
 * @example Usage
 * ```ts
 * import { findAwsFailure, tagAwsCall } from "./aws_errors.ts";
 * import assert from "node:assert/strict";
 * const inner = tagAwsCall(new Error("x"), { clientName: "S3Client", commandName: "PutObjectCommand", input: {} });
 * assert.equal(findAwsFailure(new Error("wrapped", { cause: inner })), inner);
 * assert.equal(findAwsFailure(new Error("plain")), undefined);
 * ```
 */
export function findAwsFailure(error: unknown): Error | undefined {
  let e = error;
  for (let depth = 0; e instanceof Error && depth < 8; depth++) {
    if (awsCallOf(e) !== undefined) return e;
    e = e.cause;
  }
  return undefined;
}

const SERVICE_PREFIX: Record<string, string> = {
  S3Client: "s3",
  SageMakerClient: "sagemaker",
  // InvokeEndpoint is authorized as sagemaker:InvokeEndpoint (the runtime signs as "sagemaker").
  SageMakerRuntimeClient: "sagemaker",
  ApplicationAutoScalingClient: "application-autoscaling",
  CloudWatchClient: "cloudwatch",
};

/** S3 operations that IAM authorizes under another action name. */
const S3_ACTIONS: Record<string, string> = {
  HeadBucket: "ListBucket",
  ListObjectsV2: "ListBucket",
};

/**
 * The IAM action a call needs, e.g. `s3:ListBucket` for HeadBucket.
 *
 * @example Usage
 * ```ts
 * import { iamActionOf } from "./aws_errors.ts";
 * import assert from "node:assert/strict";
 * assert.equal(iamActionOf({ clientName: "S3Client", commandName: "HeadBucketCommand", input: {} }), "s3:ListBucket");
 * assert.equal(iamActionOf({ clientName: "SageMakerClient", commandName: "CreateModelCommand", input: {} }), "sagemaker:CreateModel");
 * assert.equal(iamActionOf({ clientName: "SageMakerRuntimeClient", commandName: "InvokeEndpointCommand", input: {} }), "sagemaker:InvokeEndpoint");
 * ```
 */
export function iamActionOf(call: AwsCall): string {
  const op = operationOf(call);
  const prefix = SERVICE_PREFIX[call.clientName] ??
    call.clientName.replace(/Client$/, "").toLowerCase();
  return `${prefix}:${prefix === "s3" ? S3_ACTIONS[op] ?? op : op}`;
}

function operationOf(call: AwsCall): string {
  return call.commandName.replace(/Command$/, "");
}

/** The statement id of iam/walkthrough-policy.json that allows an action, if one does. */
function statementFor(action: string): string | undefined {
  for (const s of policy.Statement as { Sid?: string; Action: string | string[] }[]) {
    const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
    if (actions.includes(action)) return s.Sid;
  }
  return undefined;
}

const RESOURCE_KEYS = [
  "EndpointName",
  "EndpointConfigName",
  "ModelName",
  "ModelPackageGroupName",
  "ModelPackageName",
  "JobName",
  "ResourceId",
  "PolicyName",
  "ScheduledActionName",
  "AlarmName",
  "AlarmNames",
];

/**
 * The resource a call names, e.g. `bucket "b"`, `object s3://b/k`, `endpoint "e"`.
 *
 * @example Usage
 * ```ts
 * import { resourceOf } from "./aws_errors.ts";
 * import assert from "node:assert/strict";
 * assert.equal(resourceOf({ Bucket: "b" }), 'bucket "b"');
 * assert.equal(resourceOf({ Bucket: "b", Key: "k/m.tar.gz" }), "object s3://b/k/m.tar.gz");
 * assert.equal(resourceOf({ EndpointConfigName: "e" }), 'endpoint config "e"');
 * assert.equal(resourceOf({}), undefined);
 * ```
 */
export function resourceOf(input: Record<string, unknown>): string | undefined {
  if (typeof input.Bucket === "string") {
    return typeof input.Key === "string"
      ? `object s3://${input.Bucket}/${input.Key}`
      : `bucket "${input.Bucket}"`;
  }
  for (const key of RESOURCE_KEYS) {
    const value = input[key];
    const text = Array.isArray(value) ? value.join(", ") : value;
    if (typeof text === "string" && text !== "") {
      const words = key.replace(/Names?$/, "").replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
      return `${words === "resource id" ? "scalable target" : words} "${text}"`;
    }
  }
  return undefined;
}

const THROTTLING = new Set([
  "ThrottlingException",
  "Throttling",
  "ThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
  "ProvisionedThroughputExceededException",
]);

const BAD_CREDENTIALS = new Set([
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "SignatureDoesNotMatch",
  "InvalidAccessKeyId",
  "ExpiredToken",
  "ExpiredTokenException",
  "InvalidToken",
]);

interface SdkErrorShape {
  name?: string;
  message?: string;
  $fault?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
  $response?: { statusCode?: number; headers?: Record<string, string> };
}

/**
 * One line for a failed AWS call: what was called on what, how AWS answered, and a hint.
 *
 * @example Usage
 * ```ts
 * import { describeAwsFailure } from "./aws_errors.ts";
 * import assert from "node:assert/strict";
 * const denied = Object.assign(new Error("UnknownError"), { name: "Unknown", $fault: "client",
 *   $metadata: { httpStatusCode: 403, attempts: 1 } });
 * const line = describeAwsFailure(denied, { clientName: "S3Client", commandName: "HeadBucketCommand", input: { Bucket: "b" } });
 * assert.match(line, /^HeadBucket of bucket "b" failed: HTTP 403 \(no error code/);
 * assert.match(line, /needs s3:ListBucket .*aws sts get-caller-identity/);
 * ```
 */
export function describeAwsFailure(error: unknown, call: AwsCall): string {
  const e = (error ?? {}) as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  const attempts = e.$metadata?.attempts ?? 1;
  const code = e.name && e.name !== "Unknown" && e.name !== "Error" && e.$fault !== undefined
    ? e.name
    : undefined;
  const resource = resourceOf(call.input);
  const what = `${operationOf(call)}${resource ? ` of ${resource}` : ""} failed`;
  const answer: string[] = [status === undefined ? "no HTTP response" : `HTTP ${status}`];
  if (code !== undefined) {
    const message = (e.message ?? "").replace(/\s+/g, " ").trim();
    answer.push(message && message !== code ? `${code}: ${message}` : code);
  } else if (e.$fault === undefined && status !== undefined) {
    // The SDK could not read the body as AWS's error document (an HTML page from a proxy...).
    const type = headerOf(e, "content-type");
    answer.push(`with a body that is not an AWS error${type ? ` (${type})` : ""}`);
  } else if (status !== undefined) {
    answer.push("(no error code: the response had no body)");
  } else {
    answer.push(`(${(e.message ?? String(error)).replace(/\s+/g, " ").trim()})`);
  }
  const hint = hintFor(call, { status, code: code ?? credentialsError(e), attempts }) ??
    (status === undefined
      ? "Hint: no answer came back; check the network, --endpoint-url (or AWS_ENDPOINT_URL) and --region"
      : undefined);
  return `${what}: ${answer.join(" ")}${hint ? `. ${hint}` : ""}`;
}

/** The SDK's own error when no credentials could be found (no request was sent). */
function credentialsError(e: SdkErrorShape): string | undefined {
  return e.name === "CredentialsProviderError" ? e.name : undefined;
}

function headerOf(e: SdkErrorShape, name: string): string | undefined {
  const headers = e.$response?.headers ?? {};
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return undefined;
}

function retried(attempts: number): string {
  return attempts > 1
    ? `it was retried ${attempts - 1} time${attempts > 2 ? "s" : ""} (${attempts} attempts)`
    : "it was not retried (1 attempt)";
}

function hintFor(
  call: AwsCall,
  answer: { status?: number; code?: string; attempts: number },
): string | undefined {
  const whoAmI =
    "see which identity the credentials in use belong to with `aws sts get-caller-identity` (set by AWS_PROFILE / --profile, or AWS_ACCESS_KEY_ID)";
  if (answer.code === "CredentialsProviderError") {
    return "Hint: no AWS credentials were found; give --profile or set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), then check them with `aws sts get-caller-identity`";
  }
  if (answer.code !== undefined && BAD_CREDENTIALS.has(answer.code)) {
    return `Hint: AWS does not accept these credentials; ${whoAmI}, and renew them if they expired`;
  }
  if (
    answer.status === 403 ||
    (answer.code !== undefined && /^AccessDenied|^Unauthorized|^Forbidden/.test(answer.code))
  ) {
    const action = iamActionOf(call);
    const sid = statementFor(action);
    return `Hint: the identity needs ${action}${
      sid ? ` (statement "${sid}" of iam/walkthrough-policy.json)` : ""
    }; ${whoAmI}, and attach iam/walkthrough-policy.json to it`;
  }
  if (
    (answer.code !== undefined && THROTTLING.has(answer.code)) || answer.status === 429
  ) {
    return `Hint: AWS throttled the call and ${
      retried(answer.attempts)
    }; wait a minute and run again, or allow more attempts with AWS_MAX_ATTEMPTS`;
  }
  if (answer.status !== undefined && answer.status >= 500) {
    return `Hint: the error is on AWS's side (or a proxy's) and ${
      retried(answer.attempts)
    }; run again later, or allow more attempts with AWS_MAX_ATTEMPTS`;
  }
  return undefined;
}
