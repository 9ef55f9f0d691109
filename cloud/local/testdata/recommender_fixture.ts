// Test support for the local Inference Recommender: the SageMaker fixture plus the recommender's
// handlers and events, a model package, an endpoint, and the fixture capacity profile.
import {
  CreateEndpointCommand,
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
} from "@aws-sdk/client-sagemaker";
import type { CloudWatchSender, SageMakerSender } from "../../types.ts";
import { cloudWatchHandlers, registerAlarmEvents } from "../cloudwatch/mod.ts";
import { type CapacityProfile, PROFILE_KIND } from "../../../sim/profile.ts";
import { recommenderHandlers, registerRecommenderEvents } from "../recommender/mod.ts";
import { completeDefaultJob, putJob } from "../recommender/job.ts";
import { describeEndpointRecord, sageMakerHandlers } from "../sagemaker/mod.ts";
import { localSender } from "../kernel/dispatch.ts";
import type { LocalSettings } from "../kernel/settings.ts";
import {
  createModelAndConfig,
  IMAGE,
  type LocalFixture,
  MODEL_URL,
  ROLE,
  uploadModel,
  withFixture,
} from "./sagemaker_fixture.ts";

export { IMAGE, MODEL_URL, ROLE };

/** The capacity profile of `tests/fixtures/capacity_profile.json` (about 50 requests/s). */
export const FIXTURE_PROFILE: CapacityProfile = JSON.parse(
  Deno.readTextFileSync(new URL("../../../tests/fixtures/capacity_profile.json", import.meta.url)),
);

/** The SageMaker fixture with the recommender merged into the SageMaker sender. */
export interface RecommenderFixture extends LocalFixture {
  /** SageMaker sender including the Inference Recommender operations. */
  sm: SageMakerSender;
  /** CloudWatch sender with metrics and alarms. */
  cw: CloudWatchSender;
}

/** Opens a fixture on a temp folder, runs `fn`, closes and removes everything. */
export async function withRecommender(
  fn: (f: RecommenderFixture) => Promise<void>,
  settings: Partial<LocalSettings> = {},
): Promise<void> {
  await withFixture(async (base) => {
    registerRecommenderEvents(base.ctx.runtime);
    registerAlarmEvents(base.ctx.runtime);
    const fixture: RecommenderFixture = {
      ...base,
      sm: localSender(base.ctx, {
        service: "SageMaker",
        handlers: {
          ...sageMakerHandlers,
          ...recommenderHandlers,
        },
      }) as SageMakerSender,
      cw: localSender(base.ctx, {
        service: "CloudWatch",
        handlers: cloudWatchHandlers,
      }) as CloudWatchSender,
    };
    try {
      await fn(fixture);
    } finally {
      for (const closer of base.ctx.runtime.closers.toReversed()) await closer();
    }
  }, settings);
}

/** Creates group `xgb` with version 1 (the fixture model) and returns the version's ARN. */
export async function createPackage(f: RecommenderFixture): Promise<string> {
  await uploadModel(f);
  await f.sm.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: "xgb" }));
  const out = await f.sm.send(
    new CreateModelPackageCommand({
      ModelPackageGroupName: "xgb",
      InferenceSpecification: {
        Containers: [{ Image: IMAGE, ModelDataUrl: MODEL_URL }],
        SupportedContentTypes: ["text/csv"],
        SupportedResponseMIMETypes: ["text/csv"],
        SupportedRealtimeInferenceInstanceTypes: ["ml.c5.large"],
      },
    }),
  );
  return out.ModelPackageArn!;
}

/**
 * Deploys endpoint `name` (model `xgb`, `count` x ml.c5.large), waits until it is InService and,
 * unless `withProfile` is false, stores the fixture profile under the variant's profile key.
 */
export async function deployEndpoint(
  f: RecommenderFixture,
  options: { name?: string; count?: number; withProfile?: boolean } = {},
): Promise<void> {
  const name = options.name ?? "ep";
  await uploadModel(f);
  await createModelAndConfig(f, { config: `${name}-cfg`, count: options.count });
  await f.sm.send(
    new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-cfg` }),
  );
  await f.clock.sleep(f.ctx.settings.endpointCreateSeconds * 1000);
  if (options.withProfile ?? true) storeFixtureProfile(f, name);
}

/** Stores the fixture profile under the profile key of endpoint `name`'s first variant. */
export function storeFixtureProfile(f: RecommenderFixture, name = "ep"): void {
  const key = describeEndpointRecord(f.ctx, name).ProductionVariants[0].profileKey;
  f.ctx.store.tx(() => f.ctx.store.putDoc(PROFILE_KIND, key, FIXTURE_PROFILE));
}

/**
 * Stores a Default job `name` and completes it with one recommendation (no benchmark runs):
 * MaxInvocations 3000/min, ModelLatency 12 ms, on endpoint `ir-<name>`.
 */
export function completedDefaultJob(
  f: RecommenderFixture,
  options: { name: string; instanceType?: string },
): void {
  const { name } = options;
  const now = f.ctx.store.now();
  putJob(f.ctx, {
    JobName: name,
    JobArn:
      `arn:aws:sagemaker:${f.ctx.region}:${f.ctx.account}:inference-recommendations-job/${name}`,
    JobType: "Default",
    RoleArn: ROLE,
    Status: "IN_PROGRESS",
    CreationTime: now,
    LastModifiedTime: now,
    InputConfig: {},
    steps: [],
  });
  completeDefaultJob(f.ctx, {
    jobName: name,
    result: {
      invocationStartTime: now - 600_000,
      invocationEndTime: now - 60_000,
      recommendations: [{
        Metrics: { MaxInvocations: 3000, ModelLatency: 12 },
        EndpointConfiguration: {
          EndpointName: `ir-${name}`,
          VariantName: "AllTraffic",
          InstanceType: (options.instanceType ?? "ml.c5.large") as "ml.c5.large",
          InitialInstanceCount: 1,
        },
      }],
      stopReason: { code: "Saturation", message: "Throughput flattened at 8 users" },
    },
  });
}
