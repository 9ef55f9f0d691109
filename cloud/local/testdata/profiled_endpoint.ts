// Shared by tests and benchmarks: an InService endpoint "ep" (variant AllTraffic, one ml.c5.large)
// whose model, image and instance type have a stored capacity profile, as if a Default job had
// measured it — the starting point of every local Advanced-job scenario; and the same endpoint
// without waiting or profile, for tests that bring their own model.
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
} from "@aws-sdk/client-sagemaker";
import type { Cloud } from "../../types.ts";
import type { LocalContext } from "../kernel/context.ts";
import { type CapacityProfile, PROFILE_KIND, profileKey } from "../../../sim/profile.ts";

/** The container image the fixture endpoint names. */
export const FIXTURE_IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.5-1";

/** What {@linkcode createFixtureEndpoint} puts behind endpoint "ep". */
export interface FixtureModel {
  /** Bucket created for the model object (`s3://<bucket>/model.tar.gz`). */
  bucket: string;
  /**
   * The model object's bytes.
   * @default {"model"}
   */
  body?: string | Uint8Array;
  /**
   * The model's container image.
   * @default {FIXTURE_IMAGE}
   */
  image?: string;
}

/**
 * Creates bucket, model object, model "xgb", config "cfg" (AllTraffic, one ml.c5.large) and
 * endpoint "ep", which is left Creating.
 */
export async function createFixtureEndpoint(
  cloud: Cloud,
  model: FixtureModel,
): Promise<{ modelUrl: string; image: string }> {
  const { bucket, body = "model", image = FIXTURE_IMAGE } = model;
  const modelUrl = `s3://${bucket}/model.tar.gz`;
  await cloud.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await cloud.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "model.tar.gz", Body: body }));
  await cloud.sagemaker.send(
    new CreateModelCommand({
      ModelName: "xgb",
      ExecutionRoleArn: cloud.defaultRoleArn,
      PrimaryContainer: { Image: image, ModelDataUrl: modelUrl },
    }),
  );
  await cloud.sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: "cfg",
      ProductionVariants: [{
        VariantName: "AllTraffic",
        ModelName: "xgb",
        InstanceType: "ml.c5.large",
        InitialInstanceCount: 1,
      }],
    }),
  );
  await cloud.sagemaker.send(
    new CreateEndpointCommand({ EndpointName: "ep", EndpointConfigName: "cfg" }),
  );
  return { modelUrl, image };
}

/** Creates the fixture endpoint "ep", waits InService, stores `profile`. */
export async function createProfiledEndpoint(
  cloud: Cloud & { context: LocalContext },
  endpoint: { profile: CapacityProfile; bucket: string },
): Promise<{ modelUrl: string; image: string }> {
  const { profile, bucket } = endpoint;
  const { modelUrl } = await createFixtureEndpoint(cloud, { bucket });
  await cloud.clock.sleep(cloud.context.settings.endpointCreateSeconds * 1000);
  const store = cloud.context.store;
  store.tx(() =>
    store.putDoc(
      PROFILE_KIND,
      profileKey({ modelDataUrl: modelUrl, image: FIXTURE_IMAGE, instanceType: "ml.c5.large" }),
      profile,
    )
  );
  return { modelUrl, image: FIXTURE_IMAGE };
}
