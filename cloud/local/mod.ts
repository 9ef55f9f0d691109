/**
 * Assembles the embedded local backend: one store, one simulated clock, and the five senders
 * built from each service's handler table.
 *
 * @module
 */
import type { Cloud } from "../types.ts";
import { LocalClock } from "./kernel/clock.ts";
import { type LocalContext, LocalRuntime } from "./kernel/context.ts";
import type { GivenProfiles } from "../../sim/profile.ts";
import { cloudWatchHandlers, registerAlarmEvents } from "./cloudwatch/mod.ts";
import { autoScalingHandlers, registerAutoScalingEvents } from "./autoscaling/mod.ts";

import {
  defaultJobRunner,
  type DefaultJobRunnerOptions,
} from "./recommender/default_job/runner.ts";
import { profileFor, putGivenProfiles } from "./kernel/profiles.ts";
import { recommenderHandlers, registerRecommenderEvents } from "./recommender/mod.ts";
import { s3Handlers } from "./s3/mod.ts";
import { runtimeHandlers } from "./runtime/mod.ts";
import { registerSageMakerEvents, sageMakerHandlers } from "./sagemaker/mod.ts";
import { localSender } from "./kernel/dispatch.ts";
import {
  DEFAULT_LOCAL_SETTINGS,
  type LocalSettings,
  mergeLocalSettings,
} from "./kernel/settings.ts";
import { DEFAULT_LOCAL_DIR, Store } from "./kernel/store/mod.ts";
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
  local?: LocalOptions;
  /** Options of this process's Default-job runner (tests use them to shorten or break a benchmark). */
  defaultJob?: DefaultJobRunnerOptions;
}

/**
 * What `openCloud({ local })` gives the local backend: settings, and capacity profiles per
 * instance type (both saved in the store for later processes).
 */
export type LocalOptions = Partial<LocalSettings> & {
  /**
   * Capacity profiles to simulate instance types with, instead of measuring this machine (the
   * built-in `ORIGINAL_PROFILE`, a JSON file checked by `checkCapacityProfile`, or one built by
   * `profileFromMetrics`). A Default job on such a type reports the profile ("from profile, not
   * measured") and every endpoint of the type is simulated with it.
   */
  profile?: GivenProfiles;
};

/** The local backend as a {@linkcode Cloud}, with its settings and its context (store, runtime). */
export type LocalCloud = Cloud & {
  /** The settings as persisted in the store (simulation defaults, benchmark length, noise seed). */
  readonly settings: LocalSettings;
  /** The store, settings, region and runtime every local handler works on. */
  readonly context: LocalContext;
};

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
export function openLocalCloud(options: LocalCloudOptions = {}): LocalCloud {
  const store = Store.open(options.localDir ?? DEFAULT_LOCAL_DIR);
  const { profile: given, ...overrides } = options.local ?? {};
  let settings: LocalSettings;
  try {
    settings = store.tx(() => {
      const saved = store.getMeta("settings");
      const base = saved === undefined
        ? DEFAULT_LOCAL_SETTINGS
        : mergeLocalSettings(DEFAULT_LOCAL_SETTINGS, JSON.parse(saved));
      const merged = mergeLocalSettings(base, overrides);
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
  if (given !== undefined) putGivenProfiles(ctx, given);
  registerAll(runtime);
  runtime.defaultJobRunner = defaultJobRunner(options.defaultJob);
  let closed = false;
  return {
    backend: "local",
    region,
    defaultRoleArn: localRoleArn(settings.account),
    sagemaker: localSender(ctx, {
      service: "SageMaker",
      handlers: {
        ...sageMakerHandlers,
        ...recommenderHandlers,
        ...tagging.sageMakerTaggingHandlers,
      },
    }),
    autoscaling: localSender(ctx, {
      service: "Application Auto Scaling",
      handlers: { ...autoScalingHandlers, ...tagging.autoScalingTaggingHandlers },
    }),
    cloudwatch: localSender(ctx, {
      service: "CloudWatch",
      handlers: { ...cloudWatchHandlers, ...tagging.cloudWatchTaggingHandlers },
    }),
    s3: localSender(ctx, {
      service: "S3",
      handlers: { ...s3Handlers, ...tagging.s3TaggingHandlers },
    }),
    runtime: localSender(ctx, { service: "SageMaker Runtime", handlers: runtimeHandlers }),
    clock: new LocalClock(ctx),
    capacityProfile: (subject) => Promise.resolve(profileFor(ctx, subject)),
    settings,
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
