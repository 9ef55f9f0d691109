/**
 * Step `prepare` (sections "Generate model and payload", 3, 4 and 5 of the original): train an
 * XGBoost classifier on random data (or take a model file), write the 100-row sample payload, pack
 * `model.tar.gz` and `payload.tar.gz`, upload them to S3, and look up the XGBoost container image.
 *
 * @module
 */
import { writeFileAtomic } from "../machine/atomic_write.ts";
import {
  CreateBucketCommand,
  type CreateBucketConfiguration,
  HeadBucketCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { join } from "node:path";
import type { Cloud } from "../cloud/types.ts";
import {
  DEFAULT_XGBOOST_VERSION,
  loadXGBoostModel,
  MODEL_FILE_NAME,
  modelTarball,
  PAYLOAD_FILE_NAME,
  payloadTarball,
  randomDataset,
  samplePayloadCsv,
  stringifyXGBoostModel,
  trainClassifier,
  trainTestSplit,
  xgboostImageUri,
} from "../model/mod.ts";
import { InputError } from "./errors.ts";
import { accountOf, requireRole } from "./inputs.ts";
import { runName } from "./names.ts";
import { numberInput, runScript, type ScriptSpec, stringInput, table } from "./script.ts";
import type { CreatedResource, PrepareResult } from "./types.ts";
import { validatePrepare } from "./validate.ts";
import { progress } from "./wait.ts";

/** Inputs of {@linkcode prepare}. */
export interface PrepareOptions {
  /** Execution role; its account names the default bucket. */
  roleArn: string;
  /**
   * Instance type the later steps use.
   * @default {"ml.c5.large"}
   */
  instanceType?: string;
  /**
   * XGBoost container version. `1.7-1` serves the XGBoost 1.7 JSON model this step writes;
   * the original's `1.5-1` is selectable but cannot be verified offline.
   * @default {"1.7-1"}
   */
  frameworkVersion?: string;
  /** An XGBoost JSON model to use instead of training one. */
  modelFile?: string;
  /**
   * Bucket to upload to.
   * @default {"sagemaker-{region}-{account}"}
   */
  bucket?: string;
  /**
   * Folder for the local copies (model, sample.csv, tarballs).
   * @default {"out/prepare"}
   */
  workDir?: string;
  /**
   * Seed of the random data.
   * @default {7}
   */
  seed?: number;
  /** @default {"scaling-lab"} */
  namePrefix?: string;
  /** Where created resources are recorded as soon as they exist. */
  manifest?: CreatedResource[];
}

/**
 * The default SageMaker bucket of a region and account, as the SageMaker Python SDK names it.
 *
 * @example Usage
 * ```ts
 * import { defaultBucket } from "./prepare.ts";
 * import assert from "node:assert/strict";
 * assert.equal(defaultBucket("us-east-1", "000000000000"), "sagemaker-us-east-1-000000000000");
 * ```
 */
export function defaultBucket(region: string, account: string): string {
  return `sagemaker-${region}-${account}`;
}

async function ensureBucket(cloud: Cloud, bucket: string): Promise<void> {
  try {
    await cloud.s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return;
  } catch (error) {
    const name = (error as Error).name;
    if (name !== "NotFound" && name !== "NoSuchBucket") throw error;
  }
  const config: CreateBucketConfiguration | undefined = cloud.region === "us-east-1"
    ? undefined
    : { LocationConstraint: cloud.region as CreateBucketConfiguration["LocationConstraint"] };
  try {
    await cloud.s3.send(
      new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: config }),
    );
    progress("prepare", `created bucket ${bucket}`);
  } catch (error) {
    if ((error as Error).name !== "BucketAlreadyOwnedByYou") throw error;
  }
}

/**
 * Makes the model and payload and uploads them.
 *
 * @example Usage
 * ```ts ignore
 * const prepared = await prepare(cloud, { roleArn: cloud.defaultRoleArn! });
 * console.log(prepared.modelUrl, prepared.payloadUrl, prepared.containerImage);
 * ```
 */
export async function prepare(cloud: Cloud, options: PrepareOptions): Promise<PrepareResult> {
  validatePrepare(options);
  const manifest = options.manifest ?? [];
  const frameworkVersion = options.frameworkVersion ?? DEFAULT_XGBOOST_VERSION;
  let containerImage: string;
  try {
    containerImage = xgboostImageUri(cloud.region, frameworkVersion);
  } catch (error) {
    throw new InputError((error as Error).message);
  }
  const workDir = options.workDir ?? join("out", "prepare");
  const seed = options.seed ?? 7;
  // The original: 10,000 x 50 random float32 features, random 0/1 labels, 10 % held out (random_state 7).
  const { train, test } = trainTestSplit(randomDataset({ samples: 10_000, features: 50, seed }), {
    testSize: 0.1,
    seed,
  });
  let modelJson: string;
  if (options.modelFile !== undefined) {
    try {
      modelJson = await Deno.readTextFile(options.modelFile);
    } catch (error) {
      throw new InputError(
        `Cannot read --model "${options.modelFile}": ${(error as Error).message}`,
      );
    }
    const model = (() => {
      try {
        return loadXGBoostModel(modelJson);
      } catch (error) {
        throw new InputError(
          `Cannot use --model "${options.modelFile}": ${(error as Error).message}`,
        );
      }
    })();
    if (model.numFeature !== test.columns) {
      throw new InputError(
        `Cannot use --model "${options.modelFile}": it takes ${model.numFeature} features but the payload has ${test.columns}`,
      );
    }
  } else {
    const started = performance.now();
    modelJson = stringifyXGBoostModel(trainClassifier(train).model);
    progress(
      "prepare",
      `trained 100 trees on ${train.rows} x ${train.columns} in ${
        ((performance.now() - started) / 1000).toFixed(1)
      } s`,
    );
  }
  const csv = samplePayloadCsv(test, { rows: 100 });
  const modelTar = await modelTarball(modelJson);
  const payloadTar = await payloadTarball(csv);
  // Atomic (temporary file + rename): a run killed mid-write never leaves a partial file.
  await writeFileAtomic(join(workDir, MODEL_FILE_NAME), modelJson);
  await writeFileAtomic(join(workDir, PAYLOAD_FILE_NAME), csv);
  await writeFileAtomic(join(workDir, "model.tar.gz"), modelTar);
  await writeFileAtomic(join(workDir, "payload.tar.gz"), payloadTar);

  const bucket = options.bucket ?? defaultBucket(cloud.region, accountOf(options.roleArn));
  await ensureBucket(cloud, bucket);
  const prefix = runName(options.namePrefix ?? "scaling-lab", cloud.clock.now());
  const upload = async (key: string, body: Uint8Array) => {
    await cloud.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentType: "application/gzip",
      }),
    );
    const url = `s3://${bucket}/${key}`;
    manifest.push({ kind: "s3-object", name: url });
    return url;
  };
  const created = manifest.length;
  const modelUrl = await upload(`${prefix}/model/model.tar.gz`, modelTar);
  const payloadUrl = await upload(`${prefix}/payload/payload.tar.gz`, payloadTar);
  return {
    region: cloud.region,
    roleArn: options.roleArn,
    modelUrl,
    payloadUrl,
    containerImage,
    instanceType: options.instanceType ?? "ml.c5.large",
    framework: "xgboost",
    frameworkVersion,
    created: manifest.slice(created),
  };
}

/** How a prepare result reads for people. */
export function renderPrepare(r: PrepareResult): string {
  return table([
    ["Model", r.modelUrl],
    ["Payload", r.payloadUrl],
    ["Container image", r.containerImage],
    ["Instance type", r.instanceType],
  ]);
}

/** The `prepare` script's flags. */
export const PREPARE_SCRIPT: ScriptSpec = {
  name: "prepare",
  summary:
    "train the model, write the payload, upload both tarballs, find the image (sections 3-5)",
  flags: {
    model: {
      type: "string",
      placeholder: "FILE",
      description: "use this XGBoost JSON model instead of training one",
    },
    bucket: {
      type: "string",
      placeholder: "NAME",
      description: "S3 bucket (default sagemaker-{region}-{account})",
    },
    "instance-type": {
      type: "string",
      placeholder: "TYPE",
      description: "instance type for the later steps (default ml.c5.large)",
    },
    "framework-version": {
      type: "string",
      placeholder: "V",
      description: "XGBoost container 1.7-1 (default) or 1.5-1 (not verifiable offline)",
    },
    "work-dir": {
      type: "string",
      placeholder: "DIR",
      description: "local copies of model, payload, tarballs (default out/prepare)",
    },
    seed: { type: "string", placeholder: "N", description: "seed of the random data (default 7)" },
  },
  examples: ["deno task prepare --json > prepared.json"],
};

if (import.meta.main) {
  await runScript(PREPARE_SCRIPT, async (ctx) => {
    const cloud = await ctx.cloud();
    return await prepare(cloud, {
      roleArn: requireRole(ctx.roleArn(), cloud),
      modelFile: ctx.flags.model as string | undefined,
      bucket: ctx.flags.bucket as string | undefined,
      instanceType: stringInput(ctx.flags, "instance-type", { from: ctx.from }),
      frameworkVersion: stringInput(ctx.flags, "framework-version", { from: ctx.from }),
      workDir: ctx.flags["work-dir"] as string | undefined,
      seed: numberInput(ctx.flags, "seed"),
    });
  }, { render: renderPrepare });
}
