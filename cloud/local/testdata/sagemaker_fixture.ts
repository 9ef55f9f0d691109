// Test support for the local SageMaker and CloudWatch stand-ins: a context on a temp folder with
// the real SDK command objects going through localSender.
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { CreateEndpointConfigCommand, CreateModelCommand } from "@aws-sdk/client-sagemaker";
import assert from "node:assert/strict";
import type { CloudWatchSender, S3Sender, SageMakerSender } from "../../types.ts";
import { LocalClock } from "../kernel/clock.ts";
import { type LocalContext, LocalRuntime } from "../kernel/context.ts";
import { cloudWatchMetricHandlers } from "../cloudwatch/metrics.ts";
import { s3Handlers } from "../s3/mod.ts";
import { registerSageMakerEvents, sageMakerHandlers } from "../sagemaker/mod.ts";
import { localSender } from "../kernel/dispatch.ts";
import {
  DEFAULT_LOCAL_SETTINGS,
  type LocalSettings,
  mergeLocalSettings,
} from "../kernel/settings.ts";
import { Store } from "../kernel/store/mod.ts";

export interface LocalFixture {
  dir: string;
  ctx: LocalContext;
  sm: SageMakerSender;
  cw: CloudWatchSender;
  s3: S3Sender;
  clock: LocalClock;
}

export function openFixture(dir: string, settings: Partial<LocalSettings> = {}): LocalFixture {
  const store = Store.open(dir);
  const runtime = new LocalRuntime();
  registerSageMakerEvents(runtime);
  const ctx: LocalContext = {
    store,
    settings: mergeLocalSettings(DEFAULT_LOCAL_SETTINGS, settings),
    region: "us-east-1",
    account: "000000000000",
    runtime,
  };
  return {
    dir,
    ctx,
    sm: localSender(ctx, { service: "SageMaker", handlers: sageMakerHandlers }) as SageMakerSender,
    cw: localSender(ctx, {
      service: "CloudWatch",
      handlers: cloudWatchMetricHandlers,
    }) as CloudWatchSender,
    s3: localSender(ctx, { service: "S3", handlers: s3Handlers }) as S3Sender,
    clock: new LocalClock(ctx),
  };
}

export async function withFixture(
  fn: (f: LocalFixture) => Promise<void>,
  settings: Partial<LocalSettings> = {},
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "sagemaker-local-" });
  const fixture = openFixture(dir, settings);
  try {
    await fn(fixture);
  } finally {
    fixture.ctx.store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

export const MODEL_URL = "s3://sagemaker-us-east-1-000000000000/model/model.tar.gz";
export const IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.5-1";
export const ROLE = "arn:aws:iam::000000000000:role/LocalSageMakerRole";

/** Uploads a model artifact to the local S3 so CreateModel's artifact check passes. */
export async function uploadModel(f: LocalFixture, url = MODEL_URL): Promise<void> {
  const [, bucket, key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(url)!;
  try {
    await f.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if ((error as Error).name !== "BucketAlreadyOwnedByYou") throw error;
  }
  await f.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "model bytes" }));
}

/**
 * Creates model `model` (IMAGE and MODEL_URL, which must be uploaded) and endpoint configuration
 * `config` with one variant "AllTraffic" of `count` ml.c5.large instances.
 */
export async function createModelAndConfig(
  f: Pick<LocalFixture, "sm">,
  { model = "xgb", config = "cfg", count = 1 }: {
    model?: string;
    config?: string;
    count?: number;
  } = {},
): Promise<void> {
  await f.sm.send(
    new CreateModelCommand({
      ModelName: model,
      ExecutionRoleArn: ROLE,
      PrimaryContainer: { Image: IMAGE, ModelDataUrl: MODEL_URL },
    }),
  );
  await f.sm.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: config,
      ProductionVariants: [{
        VariantName: "AllTraffic",
        ModelName: model,
        InstanceType: "ml.c5.large",
        InitialInstanceCount: count,
      }],
    }),
  );
}

/** Asserts that `promise` rejects with an SDK service exception of `name` whose message matches. */
export async function rejectsAws(
  promise: Promise<unknown>,
  awsError: { name: string; message: RegExp | string },
): Promise<void> {
  const { name, message } = awsError;
  await assert.rejects(promise, (error: unknown) => {
    const e = error as Error & { $metadata?: { httpStatusCode?: number }; $fault?: string };
    assert.equal(e.name, name, `expected ${name}, got ${e.name}: ${e.message}`);
    assert.equal(e.$metadata?.httpStatusCode, 400);
    assert.equal(e.$fault, "client");
    if (typeof message === "string") assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}
