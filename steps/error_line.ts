/**
 * The one line a script prints for a failure (its own module, so that the deletions can use it
 * without importing the script runner).
 *
 * @module
 */
import { awsCallOf, describeAwsFailure, findAwsFailure } from "../cloud/aws_errors.ts";

/**
 * The one line a script prints for a failure: the message, except that a failed AWS call (tagged
 * by the AWS backend) is told as operation, resource, HTTP status, AWS's code and message, and a
 * hint; a step name or a suffix that a step added around it is kept.
 *
 * @example Usage
 * ```ts
 * import { errorLine } from "./error_line.ts";
 * import { tagAwsCall } from "../cloud/aws_errors.ts";
 * import assert from "node:assert/strict";
 * const aws = tagAwsCall(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException",
 *   $fault: "client", $metadata: { httpStatusCode: 400, attempts: 3 } }),
 *   { clientName: "SageMakerClient", commandName: "DescribeEndpointCommand", input: { EndpointName: "e" } });
 * assert.equal(errorLine(new Error("recommend: Rate exceeded; cleanup could not delete x", { cause: aws })),
 *   'recommend: DescribeEndpoint of endpoint "e" failed: HTTP 400 ThrottlingException: Rate exceeded. ' +
 *   "Hint: AWS throttled the call and it was retried 2 times (3 attempts); wait a minute and run again, " +
 *   "or allow more attempts with AWS_MAX_ATTEMPTS; cleanup could not delete x");
 * assert.equal(errorLine(new Error("plain")), "plain");
 * ```
 */
export function errorLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const failure = findAwsFailure(error);
  const call = awsCallOf(failure);
  if (failure === undefined || call === undefined) return message.replace(/\s*\n\s*/g, " ");
  const described = describeAwsFailure(failure, call);
  const at = failure.message === "" ? -1 : message.indexOf(failure.message);
  if (at < 0) return described;
  const before = message.slice(0, at);
  const after = message.slice(at + failure.message.length);
  return `${before}${described}${after}`.replace(/\s*\n\s*/g, " ");
}
