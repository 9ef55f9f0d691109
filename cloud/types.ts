/**
 * The `Cloud` seam: every step talks to AWS only through these five command senders and a clock.
 *
 * @module
 */
import type { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SageMakerClient } from "@aws-sdk/client-sagemaker";
import type { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import type { CapacityProfile, ProfileSubject } from "../sim/profile.ts";

export type { ProfileSubject };

/** Which backend a {@linkcode Cloud} talks to. */
export type Backend = "aws" | "local";

/** Sends SageMaker SDK v3 commands (the real client, or the local stand-in). */
export type SageMakerSender = Pick<SageMakerClient, "send">;
/** Sends Application Auto Scaling SDK v3 commands. */
export type AutoScalingSender = Pick<ApplicationAutoScalingClient, "send">;
/** Sends CloudWatch SDK v3 commands. */
export type CloudWatchSender = Pick<CloudWatchClient, "send">;
/** Sends S3 SDK v3 commands. */
export type S3Sender = Pick<S3Client, "send">;
/** Sends SageMaker Runtime SDK v3 commands (`InvokeEndpointCommand`). */
export type RuntimeSender = Pick<SageMakerRuntimeClient, "send">;

/** Time as the backend sees it: the wall clock on AWS, a simulated clock on the local backend. */
export interface Clock {
  /** The current time. */
  now(): Date;
  /**
   * Waits `ms` milliseconds. On the local backend this advances simulated time and runs
   * everything that falls due on the way (endpoint status changes, alarms, scaling, jobs).
   */
  sleep(ms: number): Promise<void>;
}

/** One place that takes AWS SDK v3 commands: real AWS, or the embedded local backend. */
export interface Cloud {
  /** `"aws"` or `"local"`. */
  readonly backend: Backend;
  /** The AWS region, e.g. `us-east-1`. */
  readonly region: string;
  /**
   * The execution role used when a step is given none: set on the local backend
   * (`arn:aws:iam::000000000000:role/LocalSageMakerRole`), undefined on AWS.
   */
  readonly defaultRoleArn: string | undefined;
  /** SageMaker. */
  readonly sagemaker: SageMakerSender;
  /** Application Auto Scaling. */
  readonly autoscaling: AutoScalingSender;
  /** CloudWatch (metrics and alarms). */
  readonly cloudwatch: CloudWatchSender;
  /** S3. */
  readonly s3: S3Sender;
  /**
   * SageMaker Runtime (InvokeEndpoint): the real client on AWS; locally the endpoint's model
   * scored in-process, each call counted into the endpoint's metrics at the simulated clock.
   */
  readonly runtime: RuntimeSender;
  /** The backend's clock. */
  readonly clock: Clock;
  /**
   * The capacity profile this backend measured for one instance of a model (a Default job's
   * benchmark), or undefined when it keeps none: the local backend stores the profile its Default
   * job measured; AWS keeps none (its recommendation carries only the saturation point).
   */
  capacityProfile(subject: ProfileSubject): Promise<CapacityProfile | undefined>;
  /** Releases the store, stops anything the backend started (servers, benchmarks). */
  close(): Promise<void>;
}
