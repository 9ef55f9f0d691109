// Proves describeAwsFailure on the shapes the SDK v3 gives for each kind of failure (as seen
// through the real clients against a fake endpoint): each is one line with the operation, the
// resource, the HTTP status, AWS's code and message when sent, and the hint for its kind.
import assert from "node:assert/strict";
import { type AwsCall, describeAwsFailure, iamActionOf } from "./aws_errors.ts";

const sdkError = (name: string, message: string, extra: Record<string, unknown>) =>
  Object.assign(new Error(message), { name, ...extra });

const HEAD: AwsCall = {
  clientName: "S3Client",
  commandName: "HeadBucketCommand",
  input: { Bucket: "b-1" },
};
const PUT: AwsCall = {
  clientName: "S3Client",
  commandName: "PutObjectCommand",
  input: { Bucket: "b-1", Key: "run/model.tar.gz", Body: new Uint8Array(3) },
};
const DESCRIBE: AwsCall = {
  clientName: "SageMakerClient",
  commandName: "DescribeEndpointCommand",
  input: { EndpointName: "ep-1" },
};
const REGISTER: AwsCall = {
  clientName: "ApplicationAutoScalingClient",
  commandName: "RegisterScalableTargetCommand",
  input: { ResourceId: "endpoint/ep-1/variant/AllTraffic", MinCapacity: 1 },
};

const CASES: [string, Error, AwsCall, RegExp[]][] = [
  [
    "403 without a body (HEAD)",
    sdkError("Unknown", "UnknownError", {
      $fault: "client",
      $metadata: { httpStatusCode: 403, attempts: 1 },
    }),
    HEAD,
    [
      /^HeadBucket of bucket "b-1" failed: HTTP 403 \(no error code/,
      /needs s3:ListBucket/,
      /aws sts get-caller-identity/,
    ],
  ],
  [
    "403 AccessDenied on an upload",
    sdkError("AccessDenied", "Access Denied", {
      $fault: "client",
      $metadata: { httpStatusCode: 403, attempts: 1 },
    }),
    PUT,
    [
      /^PutObject of object s3:\/\/b-1\/run\/model\.tar\.gz failed: HTTP 403 AccessDenied: Access Denied\./,
      /s3:PutObject \(statement "ModelAndPayloadObjects"/,
    ],
  ],
  [
    "expired credentials",
    sdkError("ExpiredTokenException", "The security token included in the request is expired", {
      $fault: "client",
      $metadata: { httpStatusCode: 400, attempts: 1 },
    }),
    DESCRIBE,
    [
      /HTTP 400 ExpiredTokenException: The security token/,
      /does not accept these credentials/,
      /get-caller-identity/,
    ],
  ],
  [
    "an HTML 500 the SDK could not parse",
    sdkError(
      "SyntaxError",
      "Unexpected token '<'\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response",
      {
        $metadata: { httpStatusCode: 500, attempts: 3 },
        $response: { statusCode: 500, headers: { "content-type": "text/html" } },
      },
    ),
    DESCRIBE,
    [
      /^DescribeEndpoint of endpoint "ep-1" failed: HTTP 500 with a body that is not an AWS error \(text\/html\)/,
      /retried 2 times \(3 attempts\)/,
    ],
  ],
  [
    "throttling",
    sdkError("ThrottlingException", "Rate exceeded", {
      $fault: "client",
      $metadata: { httpStatusCode: 400, attempts: 8 },
    }),
    REGISTER,
    [
      /^RegisterScalableTarget of scalable target "endpoint\/ep-1\/variant\/AllTraffic" failed: HTTP 400 ThrottlingException: Rate exceeded/,
      /throttled .* retried 7 times/,
    ],
  ],
  [
    "no credentials anywhere",
    sdkError("CredentialsProviderError", "Could not load credentials from any providers", {}),
    DESCRIBE,
    [/failed: no HTTP response \(Could not load credentials from any providers\)\. Hint: no AWS credentials were found; give --profile/],
  ],
  [
    "a connection that never got an answer",
    sdkError("Error", "connect ECONNREFUSED 127.0.0.1:1", {}),
    DESCRIBE,
    [/^DescribeEndpoint of endpoint "ep-1" failed: no HTTP response \(connect ECONNREFUSED 127\.0\.0\.1:1\)\. Hint: no answer came back; check the network, --endpoint-url/],
  ],
];

for (const [what, error, call, patterns] of CASES) {
  Deno.test(`describeAwsFailure: ${what}`, () => {
    const line = describeAwsFailure(error, call);
    assert.doesNotMatch(line, /\n|Deserialization error|\$response|UnknownError/);
    for (const p of patterns) assert.match(line, p);
  });
}

Deno.test("iamActionOf names the action IAM checks, per service", () => {
  assert.equal(iamActionOf(REGISTER), "application-autoscaling:RegisterScalableTarget");
  assert.equal(
    iamActionOf({
      clientName: "CloudWatchClient",
      commandName: "PutMetricAlarmCommand",
      input: {},
    }),
    "cloudwatch:PutMetricAlarm",
  );
});
