/**
 * The AWS backend: the real SDK v3 clients with adaptive retries, and the wall clock.
 *
 * @module
 */
import { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { S3Client } from "@aws-sdk/client-s3";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { tagAwsCall } from "./aws_errors.ts";
import type { Clock, Cloud } from "./types.ts";

/**
 * The AWS backend cannot be opened as configured (no region): the user's to fix. Scripts tell it
 * by its `name` (they load this module only when they open the AWS backend) and exit 2.
 */
export class AwsSetupError extends Error {
  override name = "AwsSetupError";
}

/** Options of {@linkcode openAwsCloud}. */
export interface AwsCloudOptions {
  /** Region; when absent the SDK's own resolution applies (AWS_REGION, the profile's config). */
  region?: string;
  /** Named profile of the shared config/credentials files (as `AWS_PROFILE`). */
  profile?: string;
  /**
   * Endpoint URL for every service (e.g. a proxy or emulator). When absent, the SDK honours
   * `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>` as it defines them.
   */
  endpointUrl?: string;
  /**
   * Most attempts per request with adaptive retries (client-side rate limiting on throttling).
   * @default {8, or AWS_MAX_ATTEMPTS when set}
   */
  maxAttempts?: number;
}

/** The wall clock. */
export const wallClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Opens the AWS backend. Credentials come from the SDK's default chain.
 *
 * @example Usage
 * ```ts no-eval
 * import { openAwsCloud } from "./aws.ts";
 * const cloud = await openAwsCloud({ region: "us-west-2" });
 * ```
 */
export async function openAwsCloud(options: AwsCloudOptions = {}): Promise<Cloud> {
  const config = {
    region: options.region,
    profile: options.profile,
    endpoint: options.endpointUrl,
    retryMode: "adaptive",
    maxAttempts: options.maxAttempts ?? attemptsFromEnv() ?? 8,
  };
  const sagemaker = new SageMakerClient(config);
  let region: string;
  try {
    region = await sagemaker.config.region();
  } catch {
    sagemaker.destroy();
    throw new AwsSetupError(
      "Cannot open the AWS backend: no region is set. Pass --region, or set AWS_REGION, or configure a region in your AWS profile",
    );
  }
  const withRegion = { ...config, region };
  const clients = {
    sagemaker,
    autoscaling: new ApplicationAutoScalingClient(withRegion),
    cloudwatch: new CloudWatchClient(withRegion),
    s3: new S3Client(withRegion),
    runtime: new SageMakerRuntimeClient(withRegion),
  };
  for (const client of Object.values(clients)) tagFailures(client);
  return {
    backend: "aws",
    region,
    defaultRoleArn: undefined,
    ...clients,
    clock: wallClock,
    // Inference Recommender on AWS reports the saturation point only, no per-level profile.
    capacityProfile: () => Promise.resolve(undefined),
    close() {
      for (const client of Object.values(clients)) client.destroy();
      return Promise.resolve();
    },
  };
}

/** `AWS_MAX_ATTEMPTS` as the SDK reads it (a whole number from 1), when set. */
function attemptsFromEnv(): number | undefined {
  let raw: string | undefined;
  try {
    raw = Deno.env.get("AWS_MAX_ATTEMPTS");
  } catch {
    return undefined;
  }
  const n = Number(raw);
  return raw !== undefined && Number.isInteger(n) && n >= 1 ? n : undefined;
}

/** The part of an SDK v3 client that {@linkcode tagFailures} uses. */
interface WithMiddleware {
  middlewareStack: {
    add(
      middleware: (
        next: (args: { input: object }) => Promise<unknown>,
        context: { clientName?: string; commandName?: string },
      ) => (args: { input: object }) => Promise<unknown>,
      options: { step: "initialize"; name: string; priority: "high" },
    ): void;
  };
}

/**
 * Tags every failure of the client's calls with the call (operation, input), after all retries
 * (the initialize step wraps the retry middleware), so that scripts can say what failed on what.
 */
function tagFailures(client: unknown): void {
  (client as WithMiddleware).middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        throw tagAwsCall(error, {
          clientName: context.clientName ?? "",
          commandName: context.commandName ?? "",
          input: args.input as Record<string, unknown>,
        });
      }
    },
    { step: "initialize", name: "tagFailedAwsCalls", priority: "high" },
  );
}
