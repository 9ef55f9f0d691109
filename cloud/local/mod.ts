/**
 * Assembles the embedded local backend: one store, one simulated clock, and the four senders
 * built from each service's handler table.
 *
 * @module
 */
import type { Cloud } from "../types.ts";
import { LocalClock } from "./clock.ts";
import { type LocalContext, LocalRuntime } from "./context.ts";
import { type CapacityProfile, PROFILE_KIND, profileKey } from "./profile.ts";
import { cloudWatchAlarmHandlers, registerAlarmEvents } from "./alarms.ts";
import { autoScalingHandlers, registerAutoScalingEvents } from "./autoscaling.ts";
import { cloudWatchMetricHandlers } from "./cloudwatch_metrics.ts";
import { defaultJobRunner, type DefaultJobRunnerOptions } from "./default_job.ts";
import { recommenderHandlers, registerRecommenderEvents } from "./recommender.ts";
import { s3Handlers } from "./s3.ts";
import { registerSageMakerEvents, sageMakerHandlers } from "./sagemaker.ts";
import { localSender } from "./service.ts";
import { DEFAULT_LOCAL_SETTINGS, type LocalSettings, mergeLocalSettings } from "./settings.ts";
import { DEFAULT_LOCAL_DIR, Store } from "./store.ts";
import * as tagging from "./tagging.ts";

/** Options of {@linkcode openLocalCloud}. */
export interface LocalCloudOptions {
  /**
   * Folder of the store.
   * @default {".sagemaker-local"}
   */
  localDir?: string;
  /**
   * Region the local backend answers for.
   * @default {"us-east-1"}
   */
  region?: string;
  /** Overrides of the persisted settings (they are saved for later processes). */
  local?: Partial<LocalSettings>;
  /** Options of this process's Default-job runner (tests use them to shorten or break a benchmark). */
  defaultJob?: DefaultJobRunnerOptions;
}

/** The default execution role of the local backend's account. */
export function localRoleArn(account: string): string {
  return `arn:aws:iam::${account}:role/LocalSageMakerRole`;
}

/**
 * Opens the local backend on a folder. Two processes opening the same folder share its state.
 *
 * @example Usage
 * ```ts
 * import { openLocalCloud } from "./mod.ts";
 * import { ListObjectsV2Command, CreateBucketCommand } from "@aws-sdk/client-s3";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const cloud = openLocalCloud({ localDir: dir });
 * await cloud.s3.send(new CreateBucketCommand({ Bucket: "my-bucket" }));
 * const listed = await cloud.s3.send(new ListObjectsV2Command({ Bucket: "my-bucket" }));
 * assert.equal(listed.KeyCount, 0);
 * await cloud.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function openLocalCloud(options: LocalCloudOptions = {}): Cloud & { context: LocalContext } {
  const store = Store.open(options.localDir ?? DEFAULT_LOCAL_DIR);
  let settings: LocalSettings;
  try {
    settings = store.tx(() => {
      const saved = store.getMeta("settings");
      const base = saved === undefined
        ? DEFAULT_LOCAL_SETTINGS
        : mergeLocalSettings(DEFAULT_LOCAL_SETTINGS, JSON.parse(saved));
      const merged = mergeLocalSettings(base, options.local ?? {});
      store.setMeta("settings", JSON.stringify(merged));
      return merged;
    });
  } catch (error) {
    store.close();
    throw error;
  }
  const runtime = new LocalRuntime();
  const region = options.region ?? "us-east-1";
  const ctx: LocalContext = { store, settings, region, account: settings.account, runtime };
  registerAll(runtime);
  runtime.defaultJobRunner = defaultJobRunner(options.defaultJob);
  let closed = false;
  return {
    backend: "local",
    region,
    defaultRoleArn: localRoleArn(settings.account),
    sagemaker: localSender("SageMaker", ctx, {
      ...sageMakerHandlers,
      ...recommenderHandlers,
      ...tagging.sageMakerTaggingHandlers,
    }),
    autoscaling: localSender("Application Auto Scaling", ctx, {
      ...autoScalingHandlers,
      ...tagging.autoScalingTaggingHandlers,
    }),
    cloudwatch: localSender("CloudWatch", ctx, {
      ...cloudWatchMetricHandlers,
      ...cloudWatchAlarmHandlers,
      ...tagging.cloudWatchTaggingHandlers,
    }),
    s3: localSender("S3", ctx, { ...s3Handlers, ...tagging.s3TaggingHandlers }),
    clock: new LocalClock(ctx),
    localSettings: settings,
    context: ctx,
    async close() {
      if (closed) return;
      closed = true;
      for (const closer of runtime.closers.toReversed()) {
        try {
          await closer();
        } catch (error) {
          console.error(`local backend: cleanup failed: ${(error as Error).message}`);
        }
      }
      store.close();
    },
  };
}

function registerAll(runtime: LocalRuntime): void {
  registerSageMakerEvents(runtime);
  registerRecommenderEvents(runtime);
  registerAlarmEvents(runtime);
  registerAutoScalingEvents(runtime);
}

/** The local backend's context behind a `Cloud`, or undefined for AWS. */
export function localContextOf(cloud: Cloud): LocalContext | undefined {
  return cloud.backend === "local"
    ? (cloud as Partial<{ context: LocalContext }>).context
    : undefined;
}

/**
 * The capacity profile the local backend measured for a model, image and instance type (undefined
 * on AWS, or before a Default job measured it).
 */
export function localProfileFor(
  cloud: Cloud,
  modelDataUrl: string,
  image: string,
  instanceType: string,
): CapacityProfile | undefined {
  const ctx = localContextOf(cloud);
  return ctx?.store.getDoc<CapacityProfile>(
    PROFILE_KIND,
    profileKey(modelDataUrl, image, instanceType),
  );
}
